import 'reflect-metadata';
import { runServices } from '../libs/platform/infrastructure/run-services';
import { startIdentity } from './identity/start-identity';
import { startInvitations } from './invitations/start-invitations';
import { startProjector } from './projector/start-projector';

/** All three services in one process on one set of adapters (`npm start`). */
void runServices([startIdentity, startInvitations, startProjector]);
