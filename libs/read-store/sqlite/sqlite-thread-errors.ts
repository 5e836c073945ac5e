import { plainError, type ThreadError } from '../../platform/workers/thread-calls';
import { CheckpointConflictError } from '../coordination.port';
import { ProjectionVersionRetiredError } from '../read-models.port';

/** The read store's own error classes, back from a thread that writes the read-model file. */
export function reviveReadStoreError(e: ThreadError): Error {
  if (e.name === 'ProjectionVersionRetiredError') {
    return new ProjectionVersionRetiredError(
      e.fields.target as ProjectionVersionRetiredError['target'],
    );
  }
  if (e.name === 'CheckpointConflictError') {
    return new CheckpointConflictError(
      String(e.fields.checkpoint),
      Number(e.fields.expectedVersion),
    );
  }
  return plainError(e);
}
