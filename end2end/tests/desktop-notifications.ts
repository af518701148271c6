// A desktop notification server for the browser tests: the session D-Bus and
// the freedesktop.org Notifications service on it, in one, just what Chromium
// asks of them. Chromium on Linux shows a page's notification through it and
// hears from it of a click (nothing in the DevTools protocol clicks one), so a
// test can click a notification as a person would.

import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BUS = 'org.freedesktop.DBus';
const NOTIFICATIONS = 'org.freedesktop.Notifications';
/** The notification server's name on the bus: the browser takes its signals from it only. */
const SERVER = ':1.0';
const [CALL, RETURN, ERROR, SIGNAL] = [1, 2, 3, 4];
const NO_REPLY_EXPECTED = 1;
/** Header fields: code and type. */
type Field = readonly [number, string];
const PATH: Field = [1, 'o'];
const INTERFACE: Field = [2, 's'];
const MEMBER: Field = [3, 's'];
const ERROR_NAME: Field = [4, 's'];
const REPLY_SERIAL: Field = [5, 'u'];
const DESTINATION: Field = [6, 's'];
const SENDER: Field = [7, 's'];
const SIGNATURE: Field = [8, 'g'];
/** The D-Bus types these messages use, and where each starts (at a multiple of this). */
const ALIGN: Record<string, number> = { y: 1, g: 1, v: 1, b: 4, u: 4, s: 4, o: 4, a: 4, '(': 8 };

/** A D-Bus signature's complete types: 'sua(yv)' → ['s', 'u', 'a(yv)']. */
function splitSignature(signature: string): string[] {
  const types: string[] = [];
  let at = 0;
  const one = () => {
    const start = at;
    const code = signature[at++];
    if (code === 'a') one();
    if (code === '(') {
      while (signature[at] !== ')') one();
      at++;
    }
    return signature.slice(start, at);
  };
  while (at < signature.length) types.push(one());
  return types;
}

/** Values in the D-Bus wire format (little-endian). */
class Writer {
  readonly bytes: number[] = [];

  pad(n: number) {
    while (this.bytes.length % n) this.bytes.push(0);
  }

  u32(value: number, at = -1) {
    const bytes = [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
    if (at >= 0) return void this.bytes.splice(at, 4, ...bytes);
    this.pad(4);
    this.bytes.push(...bytes);
  }

  write(type: string, value: unknown) {
    const code = type[0];
    if (!(code in ALIGN)) throw new Error(`no D-Bus type ${type} here`);
    if (code === 'y') this.bytes.push(value as number);
    else if (code === 'b' || code === 'u') this.u32(Number(value));
    else if (code === 's' || code === 'o' || code === 'g') {
      const text = Buffer.from(value as string);
      if (code === 'g') this.bytes.push(text.length);
      else this.u32(text.length);
      this.bytes.push(...text, 0);
    } else if (code === 'v') {
      const [signature, inner] = value as [string, unknown];
      this.write('g', signature);
      this.write(signature, inner);
    } else if (code === 'a') {
      this.u32(0);
      const length = this.bytes.length - 4;
      this.pad(ALIGN[type[1]]);
      const start = this.bytes.length;
      for (const element of value as unknown[]) this.write(type.slice(1), element);
      this.u32(this.bytes.length - start, length);
    } else {
      this.pad(8);
      splitSignature(type.slice(1, -1)).forEach((member, k) => this.write(member, (value as unknown[])[k]));
    }
  }
}

class Reader {
  constructor(
    private readonly bytes: Buffer,
    private at = 0,
  ) {}

  read(type: string): unknown {
    const code = type[0];
    if (!(code in ALIGN)) throw new Error(`no D-Bus type ${type} here`);
    this.at += (ALIGN[code] - (this.at % ALIGN[code])) % ALIGN[code];
    if (code === 'y') return this.bytes[this.at++];
    if (code === 'b' || code === 'u') {
      this.at += 4;
      return this.bytes.readUInt32LE(this.at - 4);
    }
    if (code === 's' || code === 'o' || code === 'g') {
      const length = code === 'g' ? this.bytes[this.at++] : (this.read('u') as number);
      this.at += length + 1;
      return this.bytes.toString('utf8', this.at - length - 1, this.at - 1);
    }
    if (code === 'v') {
      const signature = this.read('g') as string;
      return [signature, this.read(signature)];
    }
    if (code === 'a') {
      const size = this.read('u') as number;
      this.at += (ALIGN[type[1]] - (this.at % ALIGN[type[1]])) % ALIGN[type[1]];
      const end = this.at + size;
      const elements: unknown[] = [];
      while (this.at < end) elements.push(this.read(type.slice(1)));
      return elements;
    }
    return splitSignature(type.slice(1, -1)).map((member) => this.read(member));
  }
}

interface Message {
  type: number;
  flags: number;
  serial: number;
  fields: Map<number, unknown>;
  body: Reader;
}

function encode(type: number, serial: number, fields: [Field, unknown][], signature = '', body: unknown[] = []) {
  const payload = new Writer();
  splitSignature(signature).forEach((t, k) => payload.write(t, body[k]));
  const header = new Writer();
  header.bytes.push('l'.charCodeAt(0), type, 0, 1);
  header.u32(payload.bytes.length);
  header.u32(serial);
  const all: [Field, unknown][] = signature ? [...fields, [SIGNATURE, signature]] : fields;
  header.write(
    'a(yv)',
    all.map(([[code, fieldType], value]) => [code, [fieldType, value]]),
  );
  header.pad(8);
  return Buffer.from([...header.bytes, ...payload.bytes]);
}

/** The first whole message of `bytes` and what follows it, or null while it is incomplete. */
function decode(bytes: Buffer): [Message, Buffer] | null {
  if (bytes.length < 16) return null;
  if (bytes[0] !== 'l'.charCodeAt(0)) throw new Error('a big-endian D-Bus message');
  const fieldsEnd = 16 + bytes.readUInt32LE(12);
  const bodyStart = fieldsEnd + ((8 - (fieldsEnd % 8)) % 8);
  const end = bodyStart + bytes.readUInt32LE(4);
  if (bytes.length < end) return null;
  const fields = new Map<number, unknown>();
  for (const [code, [, value]] of new Reader(bytes, 12).read('a(yv)') as [number, [string, unknown]][]) {
    fields.set(code, value);
  }
  const body = new Reader(bytes.subarray(bodyStart, end));
  return [{ type: bytes[1], flags: bytes[2], serial: bytes.readUInt32LE(8), fields, body }, bytes.subarray(end)];
}

type Send = (type: number, fields: [Field, unknown][], signature?: string, body?: unknown[]) => void;

/** A notification on the desktop. */
interface Shown {
  id: number;
  title: string;
  /** Tells the browser's connection what became of it. */
  signal: (member: string, signature: string, body: unknown[]) => void;
}

/**
 * The session bus and the notification server on it, in one: just what
 * Chromium asks of them. The other services it looks for are not there.
 */
export class NotificationDesktop {
  readonly shown = new Map<number, Shown>();
  private readonly server = net.createServer((socket) => this.connect(socket));
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  private lastId = 0;

  private constructor(private readonly folder: string) {}

  static async start(): Promise<NotificationDesktop> {
    const desktop = new NotificationDesktop(await mkdtemp(path.join(os.tmpdir(), 'portal-desktop-')));
    await new Promise<void>((resolve, reject) => {
      desktop.server.once('error', reject);
      desktop.server.listen(path.join(desktop.folder, 'bus'), resolve);
    });
    return desktop;
  }

  /** Where the browser finds it (DBUS_SESSION_BUS_ADDRESS). */
  get address(): string {
    return `unix:path=${path.join(this.folder, 'bus')}`;
  }

  /** The notification titled `title`, if it is shown. */
  find(title: string): Shown | undefined {
    return [...this.shown.values()].find((shown) => shown.title === title);
  }

  /** A click on the notification, as the desktop reports one. */
  click(shown: Shown) {
    shown.signal('ActionInvoked', 'us', [shown.id, 'default']);
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    await rm(this.folder, { recursive: true, force: true });
  }

  private connect(socket: net.Socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const name = `:1.${++this.connections}`;
    let serial = 0;
    const send: Send = (type, fields, signature, body) =>
      socket.write(encode(type, ++serial, [...fields, [DESTINATION, name]], signature, body));
    // First a zero byte and lines of text (who is connecting), then messages.
    let handshake = true;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      if (pending[0] === 0 && handshake) pending = pending.subarray(1);
      while (handshake) {
        const end = pending.indexOf('\r\n');
        if (end < 0) return;
        const line = pending.subarray(0, end).toString();
        pending = pending.subarray(end + 2);
        if (line === 'BEGIN') handshake = false;
        else if (line === 'AUTH EXTERNAL') socket.write('DATA\r\n');
        else if (/^(AUTH EXTERNAL|DATA)/.test(line)) socket.write(`OK ${'0'.repeat(32)}\r\n`);
        else if (line.startsWith('AUTH')) socket.write('REJECTED EXTERNAL\r\n');
        else socket.write('ERROR\r\n');
      }
      for (let next = decode(pending); next; next = decode(pending)) {
        const [message, rest] = next;
        pending = rest;
        if (message.type === CALL && !(message.flags & NO_REPLY_EXPECTED)) this.answer(message, name, send);
      }
    });
  }

  private answer(call: Message, name: string, send: Send) {
    const from = (sender: string) => ({
      reply: (signature?: string, body?: unknown[]) =>
        send(RETURN, [[REPLY_SERIAL, call.serial], [SENDER, sender]], signature, body),
      fail: (error: string) =>
        send(
          ERROR,
          [[REPLY_SERIAL, call.serial], [SENDER, sender], [ERROR_NAME, `org.freedesktop.DBus.Error.${error}`]],
          's',
          [error],
        ),
    });
    const destination = call.fields.get(DESTINATION[0]);
    const member = call.fields.get(MEMBER[0]);
    if (destination === BUS) {
      const bus = from(BUS);
      switch (member) {
        case 'Hello':
          return bus.reply('s', [name]);
        case 'AddMatch':
        case 'RemoveMatch':
          return bus.reply();
        case 'NameHasOwner':
          return bus.reply('b', [call.body.read('s') === NOTIFICATIONS]);
        case 'GetNameOwner':
          return call.body.read('s') === NOTIFICATIONS ? bus.reply('s', [SERVER]) : bus.fail('NameHasNoOwner');
        case 'ListActivatableNames':
          return bus.reply('as', [[]]);
        default:
          return bus.fail('UnknownMethod');
      }
    }
    if (![NOTIFICATIONS, SERVER].includes(destination as string)) return from(BUS).fail('ServiceUnknown');
    const server = from(SERVER);
    switch (call.fields.get(INTERFACE[0]) === NOTIFICATIONS && member) {
      case 'GetCapabilities':
        return server.reply('as', [['actions', 'body']]);
      case 'GetServerInformation':
        return server.reply('ssss', ['portal-e2e', 'portal', '1.0', '1.2']);
      case 'Notify': {
        const [, replaces, , title] = ['s', 'u', 's', 's'].map((type) => call.body.read(type));
        const id = (replaces as number) || ++this.lastId;
        const signal = (signalMember: string, signature: string, body: unknown[]) => {
          const fields: [Field, unknown][] = [[PATH, '/org/freedesktop/Notifications'], [INTERFACE, NOTIFICATIONS]];
          send(SIGNAL, [...fields, [MEMBER, signalMember], [SENDER, SERVER]], signature, body);
        };
        this.shown.set(id, { id, title: title as string, signal });
        return server.reply('u', [id]);
      }
      case 'CloseNotification': {
        const id = call.body.read('u') as number;
        server.reply();
        // 3: closed by a call, the browser's.
        this.shown.get(id)?.signal('NotificationClosed', 'uu', [id, 3]);
        this.shown.delete(id);
        return;
      }
      default:
        return server.fail('UnknownMethod');
    }
  }
}
