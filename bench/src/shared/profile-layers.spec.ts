import { describe, expect, it } from 'vitest';
import { layersOfProfile } from './profile-layers.ts';

/** A profile from stacks written root first: `source:function` per frame; each stack is sampled `n` times. */
const profileOf = (stacks: { frames: string[]; n: number }[]) => {
  const nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children: number[] }[] = [];
  const samples: number[] = [];
  for (const { frames, n } of stacks) {
    let parent: (typeof nodes)[number] | undefined;
    for (const frame of frames) {
      const [url, functionName] = frame.split(':') as [string, string];
      const node = { id: nodes.length + 1, callFrame: { functionName, url, lineNumber: 0, columnNumber: 0 }, children: [] as number[] };
      nodes.push(node);
      parent?.children.push(node.id);
      parent = node;
    }
    for (let i = 0; i < n; i++) samples.push(parent!.id);
  }
  return { nodes, samples };
};

const sourceAsIs = (node: { callFrame: { url: string; functionName: string } }) => ({ source: node.callFrame.url, functionName: node.callFrame.functionName });
const express = ['node_modules/express/lib/application.js:handle', 'node_modules/router/index.js:next', 'node_modules/router/lib/layer.js:handleRequest'];

describe("the command process's samples by HTTP layer", () => {
  it('gives a sample to the layer express called, the router its own frames, an answer after the handler to the answer, the rest to not HTTP', () => {
    const profile = profileOf([
      // a limiter express called, and the header it sets
      { frames: [...express, 'http-kit/src/rate-limit.ts:limit', 'node:_http_outgoing:setHeader'], n: 3 },
      // the next middleware called from inside the limiter's `next`: the router's step is routing
      { frames: [...express, 'http-kit/src/rate-limit.ts:limit', 'node_modules/router/index.js:next'], n: 2 },
      // a middleware run by http-kit's one-layer sequence
      { frames: [...express, 'http-kit/src/route.ts:step', 'http-kit/src/json-body.ts:read'], n: 1 },
      // the route's answer, once its handler resolved
      {
        frames: ['node:internal/process/task_queues:runMicrotasks', 'http-kit/src/route.ts:run', 'node_modules/express/lib/response.js:json', ':writev'],
        n: 4,
      },
      // the command processor's own work
      { frames: ['node:internal/process/task_queues:runMicrotasks', 'event-sourcing/src/commands/command-processor.ts:commit'], n: 10 },
      { frames: ['(idle)'], n: 50 },
    ]);
    profile.nodes.at(-1)!.callFrame.functionName = '(idle)';
    expect(layersOfProfile(profile, sourceAsIs)).toEqual({
      'not HTTP': 50,
      'answer (res.json, Node end, socket write)': 20,
      'rate limits': 15,
      'express routing': 10,
      'body parsing': 5,
    });
  });
});
