// A hook that never finishes is cut by the global deadline (here 500 ms,
// default 10 s): the report names it and says what keeps the process alive.
import { configure, exit, onExit } from 'farewell';

configure({ timeout: 500 });
onExit(() => console.log('hook: this one is not reached'), { name: 'close cache' });
onExit(() => new Promise((resolve) => setTimeout(resolve, 60_000)), { name: 'upload metrics' });
exit(0);
