// Baseline for the HTTP figures: one NestJS endpoint on the same Fastify adapter, no work behind it.
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { READY } from '../child-server';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

@Controller()
class BareController {
  @Post('invitations')
  @HttpCode(201)
  create(@Body() body: { email?: string }) {
    return { invitationId: 'bare', status: 'pending', email: body.email ?? '' };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

void (async () => {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  process.stdout.write(READY + JSON.stringify({ url: await app.getUrl() }) + '\n');
})();
