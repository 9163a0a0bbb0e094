// close-with-grace takes one function: it awaits the 10 no-op hooks itself.
const closeWithGrace = require('close-with-grace');
const hooks = Array.from({ length: 10 }, () => async () => {});
closeWithGrace({ delay: 1000, logger: false }, async () => {
  for (const hook of hooks) await hook();
});
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
