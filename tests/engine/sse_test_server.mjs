// A tiny HTTP server for tests/engine/http_client_test.cpp. Listens on 127.0.0.1, port 0,
// prints the port on stdout, and serves scripted responses by path. Exits when stdin closes
// or on SIGTERM, so the test that started it can always stop it.
import http from 'node:http';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

// The SSE stream the tests expect from /sse: `count` events, each written in 3-byte pieces.
function sseStream(count) {
  let out = '';
  for (let i = 0; i < count; i++) {
    out += `event: tick\ndata: {"n":${i}}\n\n`;
  }
  return out;
}

async function writeSlowly(res, text, pieceBytes, delayMs) {
  for (let i = 0; i < text.length; i += pieceBytes) {
    if (res.destroyed) return;
    res.write(text.slice(i, i + pieceBytes));
    await sleep(delayMs);
  }
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const body = await readBody(req);
  switch (url.pathname) {
    case '/sse': {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'x-codex-primary-used-percent': '42.5',
        'x-codex-primary-window-minutes': '300',
      });
      await writeSlowly(res, sseStream(Number(url.searchParams.get('count') ?? 5)), 3, 2);
      res.end();
      break;
    }
    case '/echo': {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
      break;
    }
    case '/error500': {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'boom', type: 'server_error' } }));
      break;
    }
    case '/drop': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      await sleep(50);
      res.socket.destroy();
      break;
    }
    case '/endless': {
      // One event every 20 ms until the client goes away.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      while (!res.destroyed && !res.socket?.destroyed) {
        res.write(`data: ${i++}\n\n`);
        await sleep(20);
      }
      break;
    }
    case '/stall': {
      // Headers and one event, then nothing until the client goes away.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: only\n\n');
      break;
    }
    case '/ticks': {
      // `count` events 25 ms apart, tagged, for the concurrency test.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tag = url.searchParams.get('tag') ?? '?';
      const count = Number(url.searchParams.get('count') ?? 8);
      for (let i = 0; i < count && !res.destroyed; i++) {
        res.write(`data: ${tag}${i}\n\n`);
        await sleep(25);
      }
      res.end();
      break;
    }
    default:
      res.writeHead(404);
      res.end('not found');
  }
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
