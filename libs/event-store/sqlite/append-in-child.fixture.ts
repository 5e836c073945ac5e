// Run as a separate process by the cross-process test: appends one event and exits.
import { SqliteEventStore } from './sqlite-event-store';
import { newEvent } from '../testing/event-store.contract';

const [path, stream] = process.argv.slice(2);
const store = new SqliteEventStore(path);
void store.append(stream, [newEvent('FromChild')], 'any').then(() => store.close());
