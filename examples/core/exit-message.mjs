// exit('message'): like Python's sys.exit('message'): the message goes to
// stderr, the status is 1, and the exit hooks still run (newest first).
import { exit, onExit } from 'farewell';

onExit(() => console.log('hook: closed the database'));
onExit(() => console.log('hook: removed the temporary directory'));

const config = { port: 'eighty' };
if (!Number.isInteger(Number(config.port))) exit(`invalid port: ${config.port}`);
console.log('never printed');
