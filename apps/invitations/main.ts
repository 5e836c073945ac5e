import 'reflect-metadata';
import { runServices } from '../../libs/platform/infrastructure/run-services';
import { startInvitations } from './start-invitations';

void runServices([startInvitations]);
