import 'reflect-metadata';
import { runServices } from '../libs/platform/infrastructure/run-services';
import { startIdentity } from './identity/start-identity';
import { startInvitations } from './invitations/start-invitations';
import { startProjector } from './projector/start-projector';

/**
 * All three services in one process on one set of adapters (`npm start`).
 * Invitations starts first so its queue exists before identity's forwarder
 * publishes: a message to a type nobody is bound to yet is not kept.
 */
void runServices([startInvitations, startIdentity, startProjector]);
