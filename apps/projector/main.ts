import 'reflect-metadata';
import { runServices } from '../../libs/platform/infrastructure/run-services';
import { startProjector } from './start-projector';

void runServices([startProjector]);
