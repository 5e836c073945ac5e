import 'reflect-metadata';
import { runServices } from '../../libs/platform/infrastructure/run-services';
import { startIdentity } from './start-identity';

void runServices([startIdentity]);
