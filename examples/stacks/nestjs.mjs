// NestJS 12 (@nestjs/core, @nestjs/platform-express) with farewell: the HTTP
// server drains first, then Nest's own shutdown runs (onModuleDestroy,
// onApplicationShutdown), then the rest of your hooks.
//   PORT=3000 node examples/stacks/nestjs.mjs
//   NEST_SHUTDOWN_HOOKS=1 PORT=3000 node examples/stacks/nestjs.mjs   (with app.enableShutdownHooks())
// Plain JavaScript: the decorators are applied as functions.
import 'reflect-metadata';
import { Controller, Get, Inject, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { onExit } from 'farewell';
import { drainOnExit } from 'farewell/http';

/** Stands for a database pool: requests need it open. */
class Database {
  open = true;
  async query(text) {
    console.log(`query started: ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a slow query
    if (!this.open) throw new Error('the pool was closed during the query');
    return `${text} done`;
  }
  onModuleDestroy() {
    this.open = false;
    console.log('database closed');
  }
}
Injectable()(Database);

class ReportController {
  constructor(database) {
    this.database = database;
  }
  async report() {
    return `${await this.database.query('report')}\n`;
  }
}
Controller()(ReportController);
Inject(Database)(ReportController, undefined, 0);
Get('report')(ReportController.prototype, 'report', Object.getOwnPropertyDescriptor(ReportController.prototype, 'report'));

class AppModule {
  onApplicationShutdown(signal) {
    console.log(`nest shut down (${signal ?? 'app.close()'})`);
  }
}
Module({ controllers: [ReportController], providers: [Database] })(AppModule);

const app = await NestFactory.create(AppModule, { logger: false });

// Your own hooks (metrics, queues…): registered first, so they run last.
onExit(async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  console.log('metrics flushed');
}, { name: 'flush-metrics' });

if (process.env.NEST_SHUTDOWN_HOOKS === '1') {
  // Nest listens to the signals too, runs its shutdown at once, and then
  // signals the process again: farewell knows that repeat is not a second
  // request. Nest's onModuleDestroy then runs while requests are still
  // being answered.
  app.enableShutdownHooks(undefined, process.env.NEST_USE_PROCESS_EXIT === '1' ? { useProcessExit: true } : {});
} else {
  // Recommended: farewell owns the signals; Nest shuts down after the drain.
  onExit(() => app.close(), { name: 'nest app.close()' });
}
// Registered last, so it runs first: stop accepting, answer what is in flight.
drainOnExit(app.getHttpServer());

await app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
console.log(`listening on http://127.0.0.1:${app.getHttpServer().address().port}`);
