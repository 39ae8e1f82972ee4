import { createSocket } from 'node:dgram';
import { classes, Message, methods, parseMessage } from 'werift';

/**
 * A STUN binding responder on the loopback interface. werift falls back to a public STUN server when it is
 * given none, and waits five seconds for it on machines without internet; answering locally keeps candidate
 * gathering instant. The SFU itself is reached through its host candidate.
 */
export async function startLocalStunServer(): Promise<{ url: string; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  socket.on('message', (data, from) => {
    const request = parseMessage(data);
    if (!request || request.messageMethod !== methods.BINDING || request.messageClass !== classes.REQUEST) return;
    const response = new Message(methods.BINDING, classes.RESPONSE, request.transactionId);
    response.setAttribute('XOR-MAPPED-ADDRESS', [from.address, from.port]);
    response.addFingerprint();
    socket.send(response.bytes, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    url: `stun:127.0.0.1:${socket.address().port}`,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
