/**
 * The worker script. As a SharedWorker it serves every tab of the origin through one WorkerHost
 * (one writer per store); as a dedicated worker it serves its page.
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from './comlink-errors.js';
import { WorkerHost } from './host.js';

installErrorTransfer();

const host = new WorkerHost();
const scope = self as unknown as { onconnect?: (e: MessageEvent) => void } & Worker;

if ('onconnect' in scope) {
  scope.onconnect = (e: MessageEvent) => Comlink.expose(host, e.ports[0]);
} else {
  Comlink.expose(host, scope);
}
