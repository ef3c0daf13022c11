import { gzipSync } from 'node:zlib';
import { http, type RawReply } from './raw-integrator.js';

/** A reply no integrator should send; every one must end in the failure policy. */
export interface HostileReply {
  name: string;
  reply: RawReply;
}

const approve = '{"approved":true,"work_id":"w1"}';
const silence: RawReply = () => undefined;
const head = (status: string, headers = ''): RawReply => (socket) => socket.write(`HTTP/1.1 ${status}\r\n${headers}\r\n`);
const raw = (text: string | Buffer, end = false): RawReply => (socket) => (end ? socket.end(text) : socket.write(text));
const drip = (prefix: string, every: number): RawReply => (socket) => {
  socket.write(prefix);
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(' ')), every);
  socket.on('close', () => clearInterval(timer));
};
const endlessChunks: RawReply = (socket) => {
  socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n');
  const chunk = `400\r\n${' '.repeat(1024)}\r\n`;
  const pump = () => {
    while (!socket.destroyed && socket.write(chunk));
    if (!socket.destroyed) socket.once('drain', pump);
  };
  pump();
};
const headerFlood = (count: number, size: number): RawReply => (socket) =>
  socket.end(`HTTP/1.1 200 OK\r\n${Array.from({ length: count }, (_, n) => `x-h${n}: ${'a'.repeat(size)}\r\n`).join('')}content-length: ${approve.length}\r\n\r\n${approve}`);
const nested = (depth: number) => `{"approved":${'['.repeat(depth)}true${']'.repeat(depth)}}`;

/** DESIGN §3 and §4: the integrator's worst. At least 30 distinct ones. */
export const hostileReplies: readonly HostileReply[] = [
  { name: '101 switching protocols, then silence', reply: head('101 Switching Protocols', 'connection: upgrade\r\nupgrade: websocket\r\n') },
  { name: '101 without an upgrade header', reply: head('101 Switching Protocols') },
  { name: '100 continue, then silence', reply: head('100 Continue') },
  { name: '102 processing, then silence', reply: head('102 Processing') },
  { name: '103 early hints forever', reply: drip('HTTP/1.1 103 Early Hints\r\nlink: </x>\r\n\r\n', 50) },
  { name: 'accepts the request and never answers', reply: silence },
  { name: 'closes without a byte', reply: (socket) => socket.end() },
  { name: 'resets the connection', reply: (socket) => socket.resetAndDestroy() },
  { name: 'headers, then silence', reply: head('200 OK', `content-length: 100\r\n`) },
  { name: 'body drips a byte every 100 ms', reply: drip('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{"approved":true', 100) },
  { name: 'status line drips', reply: drip('HTTP/1.1 2', 100) },
  { name: 'endless chunked body', reply: endlessChunks },
  { name: 'broken chunk framing', reply: raw('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n') },
  { name: 'resets mid-body', reply: (socket) => (socket.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n{"appro'), setTimeout(() => socket.resetAndDestroy(), 20)) },
  { name: 'content-length longer than the body, then close', reply: raw(`HTTP/1.1 200 OK\r\ncontent-length: 500\r\n\r\n${approve}`, true) },
  { name: '10 MB body', reply: http(200, `{"approved":true,"x":"${'a'.repeat(10 * 1024 * 1024)}"}`) },
  { name: '10 MB number', reply: http(200, `{"approved":true,"n":${'9'.repeat(10 * 1024 * 1024)}}`) },
  { name: 'gzip bomb', reply: http(200, gzipSync(Buffer.alloc(50 * 1024 * 1024, ' ')), { 'content-encoding': 'gzip' }) },
  { name: 'header flood', reply: headerFlood(5_000, 10) },
  { name: 'one 100 KB header', reply: headerFlood(1, 100_000) },
  { name: 'redirect 301', reply: http(301, '', { location: 'http://127.0.0.1:1/elsewhere' }) },
  { name: 'redirect 307', reply: http(307, '', { location: '/elsewhere' }) },
  { name: '204 no content', reply: http(204) },
  { name: '304 not modified', reply: http(304) },
  { name: '404', reply: http(404, approve) },
  { name: '500 with an approval in the body', reply: http(500, approve) },
  { name: '429 with Retry-After in 9999', reply: http(429, approve, { 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }) },
  { name: 'not HTTP at all', reply: raw('hello there\r\n\r\n', true) },
  { name: 'bad status line', reply: raw('HTTP/1.1 abc OK\r\ncontent-length: 2\r\n\r\n{}', true) },
  { name: 'invalid UTF-8 in work_id', reply: http(200, Buffer.concat([Buffer.from('{"approved":true,"work_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])) },
  { name: 'duplicate approved, last true', reply: http(200, '{"approved":false,"approved":true}') },
  { name: 'approved as a string', reply: http(200, '{"approved":"true"}') },
  { name: 'approved as a number', reply: http(200, '{"approved":1}') },
  { name: 'approved missing', reply: http(200, '{"work_id":"w1"}') },
  { name: 'a JSON array', reply: http(200, '[{"approved":true}]') },
  { name: 'JSON null', reply: http(200, 'null') },
  { name: 'trailing garbage', reply: http(200, `${approve} x`) },
  { name: 'a JSON string', reply: http(200, '"approved"') },
  { name: 'work_id of the wrong type', reply: http(200, '{"approved":true,"work_id":42}') },
  { name: 'work_id over 256 characters', reply: http(200, `{"approved":true,"work_id":"${'w'.repeat(257)}"}`) },
  { name: 'approved nested 30,000 arrays deep', reply: http(200, nested(30_000)) },
  { name: 'empty 200', reply: http(200) },
];
