// exitNow() is Python's os._exit(): immediate, no hooks, no flushing.
import { exitNow, onExit } from 'farewell';

onExit(() => console.log('hook: never runs'));
console.log('about to call exitNow(3)');
exitNow(3);
