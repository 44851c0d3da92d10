import { subscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { buildConnector } from 'undici';
import type { ConnectionInfo } from './types';
import { undici } from './undici';

/**
 * Connection-phase timings and addresses. undici does not tell a request
 * which socket it got, so the connector stamps each new socket, and the
 * `sendHeaders` diagnostics channel (published synchronously right after
 * the handler's onRequestStart, on the same socket) hands the socket to the
 * waiting request. A socket's phases are given to its first request only: a
 * reused connection has no dns/connect/tls. Its addresses go to every
 * request it carries: a gateway's log names the client port, and a kept-alive
 * connection's later requests need it as much as the first.
 */

export interface ConnectionPhases {
  dns?: number;
  connect?: number;
  tls?: number;
}

/** What a request learns about its connection when it is written. */
export interface ConnectionFacts {
  /** Only for the first request on a new connection. */
  phases?: ConnectionPhases;
  connection?: ConnectionInfo;
}

interface SocketStamp {
  started: number;
  lookedUp?: number;
  connected?: number;
  ready?: number;
  secure: boolean;
  claimed: boolean;
}

const stamps = new WeakMap<object, SocketStamp>();
let waiting: ((facts: ConnectionFacts) => void) | undefined;
/** Which awaitConnection call set `waiting`, so its clean-up leaves a later call's waiter alone. */
let waitingTicket = 0;
let subscribed = false;

function ensureSubscribed(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('undici:client:sendHeaders', (message) => {
    const receive = waiting;
    waiting = undefined;
    const socket = (message as { socket?: unknown }).socket;
    if (receive && socket && typeof socket === 'object') deliver(receive, socket);
  });
}

/** Builds an undici connector (TLS options as for tls.connect) that stamps connection phases on each socket. */
export function createTimedConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  ensureSubscribed();
  const connect = undici().buildConnector({ ...options, allowH2: false }) as unknown as (
    target: buildConnector.Options,
    callback: buildConnector.Callback,
  ) => unknown;
  return (target, callback) => {
    const stamp: SocketStamp = { started: performance.now(), secure: target.protocol === 'https:', claimed: false };
    const socket = connect(target, ((error: Error | null, connected: object | null) => {
      if (connected) {
        stamp.ready = performance.now();
        stamps.set(connected, stamp);
      }
      (callback as (error: Error | null, socket: unknown) => void)(error, connected);
    }) as buildConnector.Callback);
    if (socket instanceof EventEmitter) {
      socket.once('lookup', () => {
        stamp.lookedUp ??= performance.now();
      });
      socket.once('connect', () => {
        stamp.connected = performance.now();
      });
    }
  };
}

/**
 * Asks for the phases and addresses of the connection the current request is
 * about to be written to. Call it from the handler's onRequestStart; the
 * phases are undefined for a reused or unknown (e.g. proxied) connection.
 */
export function awaitConnection(receive: (facts: ConnectionFacts) => void): void {
  // The receiver itself waits, not a closure made around it for every request (issue #14 point 2).
  waiting = receive;
  const ticket = (waitingTicket += 1);
  // Nothing is sent when undici drops the request between the two calls; do not leave a stale waiter.
  queueMicrotask(() => {
    if (waitingTicket === ticket) waiting = undefined;
  });
}

function deliver(receive: (facts: ConnectionFacts) => void, socket: object): void {
  // Filled in by assignment: conditional spreads copied two temporary objects a request.
  const facts: ConnectionFacts = {};
  const phases = claim(socket);
  if (phases) facts.phases = phases;
  const connection = addressesOf(socket);
  if (connection) facts.connection = connection;
  receive(facts);
}

function claim(socket: object): ConnectionPhases | undefined {
  const stamp = stamps.get(socket);
  if (!stamp || stamp.claimed) return undefined;
  stamp.claimed = true;
  const tcpStart = stamp.lookedUp ?? stamp.started;
  const tcpEnd = stamp.connected ?? stamp.ready ?? tcpStart;
  return {
    dns: stamp.lookedUp === undefined ? undefined : stamp.lookedUp - stamp.started,
    connect: tcpEnd - tcpStart,
    tls: stamp.secure && stamp.ready !== undefined ? stamp.ready - tcpEnd : undefined,
  };
}

/**
 * A connected socket's addresses do not change, and each read of them is a system call
 * (getsockname/getpeername): kept per socket, a reused connection costs nothing per request.
 */
const addressCache = new WeakMap<object, ConnectionInfo>();

function addressesOf(socket: object): ConnectionInfo | undefined {
  const known = addressCache.get(socket);
  // A copy: each exchange owns its record.
  if (known) return { ...known };
  const info = readAddresses(socket);
  // Before the connection is up the addresses are not known yet; only a complete answer is kept.
  if (info?.remotePort !== undefined && info.localPort !== undefined) addressCache.set(socket, { ...info });
  return info;
}

function readAddresses(socket: object): ConnectionInfo | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket as Partial<Record<string, unknown>>;
  const info: ConnectionInfo = {
    ...(typeof localAddress === 'string' ? { localAddress } : {}),
    ...(typeof localPort === 'number' ? { localPort } : {}),
    ...(typeof remoteAddress === 'string' ? { remoteAddress } : {}),
    ...(typeof remotePort === 'number' ? { remotePort } : {}),
  };
  return Object.keys(info).length > 0 ? info : undefined;
}
