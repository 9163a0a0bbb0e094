// PM2: give the hooks more time than farewell's own deadline (10 s by
// default), or PM2 SIGKILLs the app after 1.6 s.
module.exports = {
  apps: [
    {
      name: 'app',
      script: `${__dirname}/supervised-app.mjs`,
      kill_timeout: 12_000, // ms; PM2's default is 1600
      wait_ready: true, // wait for process.send('ready')
      listen_timeout: 10_000, // …at most this long
      // shutdown_with_message: true, // send 'shutdown' over IPC instead of SIGINT
    },
  ],
};
