// An uncaught error still cleans up: the hooks run, the error is printed as
// Node would print it (stack and cause), and the status is 1.
import { onExit } from 'farewell';

onExit(({ trigger }) => console.log(`hook: saved state after ${trigger.kind} (${trigger.origin})`));

setTimeout(() => {
  const cause = new Error('ECONNREFUSED 127.0.0.1:5432');
  throw new Error('could not reach the database', { cause });
}, 10);
