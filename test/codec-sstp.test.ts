import t from 'tap';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError } from '../lib/codec/reader.js';
import {
  ATTRIBUTE_ID,
  CALL_CONNECTED_CERT_HASH_OFFSET,
  CALL_CONNECTED_LENGTH,
  CALL_CONNECTED_MAC_OFFSET,
  CALL_CONNECTED_NONCE_OFFSET,
  HASH_PROTOCOL,
  MAX_PACKET_LENGTH,
  MESSAGE_TYPE,
  STATUS,
  attributeName,
  callAbort,
  callConnectAck,
  callConnected,
  callConnectNak,
  callConnectRequest,
  callDisconnect,
  callDisconnectAck,
  dataPacket,
  decodePacket,
  describePacket,
  echoRequest,
  echoResponse,
  encodePacket,
  hashProtocolsFromBitmask,
  messageTypeName,
  splitPacket,
  statusInfos,
  statusName,
  type SstpAttribute,
  type SstpControlPacket,
  type SstpPacket,
} from '../lib/codec/sstp.js';
import * as spec from '../fixtures/packets/spec.js';
import * as servers from '../fixtures/packets/servers.js';
import { hex } from '../fixtures/packets/bytes.js';

const ALL_FIXTURES: Record<string, Buffer> = {
  CONNECT_REQUEST: spec.CONNECT_REQUEST,
  CONNECT_ACK_SHA256: spec.CONNECT_ACK_SHA256,
  CONNECT_ACK_SHA1: spec.CONNECT_ACK_SHA1,
  CALL_CONNECTED_SHA256: spec.CALL_CONNECTED_SHA256,
  CALL_CONNECTED_SHA1: spec.CALL_CONNECTED_SHA1,
  DISCONNECT: spec.DISCONNECT,
  DISCONNECT_ACK: spec.DISCONNECT_ACK,
  ECHO_REQUEST: spec.ECHO_REQUEST,
  ECHO_RESPONSE: spec.ECHO_RESPONSE,
  DATA_LCP_CONFIGURE_REQUEST: spec.DATA_LCP_CONFIGURE_REQUEST,
  SOFTETHER_CONNECT_ACK: servers.SOFTETHER_CONNECT_ACK,
  SOFTETHER_CONNECT_NAK: servers.SOFTETHER_CONNECT_NAK,
  SOFTETHER_ABORT: servers.SOFTETHER_ABORT,
  SOFTETHER_DISCONNECT: servers.SOFTETHER_DISCONNECT,
  ACCEL_PPP_CONNECT_NAK: servers.ACCEL_PPP_CONNECT_NAK,
  ACCEL_PPP_ABORT: servers.ACCEL_PPP_ABORT,
  ACCEL_PPP_CONNECT_ACK: servers.ACCEL_PPP_CONNECT_ACK,
  SORZ_ABORT: servers.SORZ_ABORT,
  SORZ_CONNECT_NAK: servers.SORZ_CONNECT_NAK,
  SORZ_DISCONNECT: servers.SORZ_DISCONNECT,
  SORZ_CONNECT_ACK_NO_HASH: servers.SORZ_CONNECT_ACK_NO_HASH,
  WINDOWS_CONNECT_NAK_ECHO: servers.WINDOWS_CONNECT_NAK_ECHO,
  WINDOWS_ABORT_BINDING: servers.WINDOWS_ABORT_BINDING,
};

function control(bytes: Buffer): SstpControlPacket {
  const p = decodePacket(bytes);
  assert.equal(p.kind, 'control');
  return p as SstpControlPacket;
}

t.test('builders reproduce the spec and reference bytes exactly', async (t) => {
  t.same(callConnectRequest(), spec.CONNECT_REQUEST, 'Connect-Request 10 01 00 0E …');
  t.same(callConnectAck(HASH_PROTOCOL.SHA256, spec.SHA256_NONCE), spec.CONNECT_ACK_SHA256);
  t.same(callConnectAck(HASH_PROTOCOL.SHA1, spec.SHA1_NONCE), spec.CONNECT_ACK_SHA1);
  t.same(
    callConnected(HASH_PROTOCOL.SHA256, spec.SHA256_NONCE, spec.SHA256_CERT_HASH, spec.SHA256_COMPOUND_MAC),
    spec.CALL_CONNECTED_SHA256,
  );
  t.same(
    callConnected(HASH_PROTOCOL.SHA1, spec.SHA1_NONCE, spec.SHA1_CERT_HASH, spec.SHA1_COMPOUND_MAC),
    spec.CALL_CONNECTED_SHA1,
    '20-byte SHA-1 hash and MAC are zero-padded to their 32-byte slots',
  );
  t.same(callDisconnect({ attribId: ATTRIBUTE_ID.NO_ERROR, status: STATUS.NO_ERROR }), spec.DISCONNECT);
  t.same(callDisconnect(), servers.SOFTETHER_DISCONNECT, 'bare Disconnect is 8 bytes');
  t.same(callDisconnectAck(), spec.DISCONNECT_ACK);
  t.same(echoRequest(), spec.ECHO_REQUEST);
  t.same(echoResponse(), spec.ECHO_RESPONSE);
  t.same(callAbort(), servers.SOFTETHER_ABORT);
  t.same(callAbort({ attribId: ATTRIBUTE_ID.STATUS_INFO, status: STATUS.INVALID_FRAME_RECEIVED }), servers.ACCEL_PPP_ABORT);
  t.same(callAbort({ attribId: ATTRIBUTE_ID.CRYPTO_BINDING, status: STATUS.VALUE_NOT_SUPPORTED }), servers.WINDOWS_ABORT_BINDING);
  t.same(
    callConnectNak([{ attribId: ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID, status: STATUS.VALUE_NOT_SUPPORTED }]),
    servers.SOFTETHER_CONNECT_NAK,
  );
  t.same(
    callConnectNak([{ attribId: ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID, status: STATUS.VALUE_NOT_SUPPORTED, value: Buffer.from([0, 2]) }]),
    servers.WINDOWS_CONNECT_NAK_ECHO,
    'a NAK echoes the proposed value inside the Status Info',
  );
  t.same(dataPacket(spec.LCP_CONFIGURE_REQUEST_FRAME), spec.DATA_LCP_CONFIGURE_REQUEST);
});

t.test('Call-Connected layout constants match the spec message', async (t) => {
  const msg = spec.CALL_CONNECTED_SHA256;
  t.equal(msg.length, CALL_CONNECTED_LENGTH);
  t.same(msg.subarray(CALL_CONNECTED_NONCE_OFFSET, CALL_CONNECTED_NONCE_OFFSET + 32), spec.SHA256_NONCE);
  t.same(msg.subarray(CALL_CONNECTED_CERT_HASH_OFFSET, CALL_CONNECTED_CERT_HASH_OFFSET + 32), spec.SHA256_CERT_HASH);
  t.same(msg.subarray(CALL_CONNECTED_MAC_OFFSET), spec.SHA256_COMPOUND_MAC);
  const zeroMac = callConnected(HASH_PROTOCOL.SHA256, spec.SHA256_NONCE, spec.SHA256_CERT_HASH, Buffer.alloc(0));
  t.same(zeroMac.subarray(0, CALL_CONNECTED_MAC_OFFSET), msg.subarray(0, CALL_CONNECTED_MAC_OFFSET));
  t.same(zeroMac.subarray(CALL_CONNECTED_MAC_OFFSET), Buffer.alloc(32), 'an empty MAC leaves the slot zeroed for MAC input');
});

t.test('spec messages decode to the values the spec states', async (t) => {
  t.same(control(spec.CONNECT_REQUEST), {
    kind: 'control',
    messageType: MESSAGE_TYPE.CALL_CONNECT_REQUEST,
    attributes: [{ id: 1, protocolId: 1 }],
  });
  t.same(control(spec.CONNECT_ACK_SHA256), {
    kind: 'control',
    messageType: MESSAGE_TYPE.CALL_CONNECT_ACK,
    attributes: [{ id: 4, hashBitmask: 0x02, nonce: spec.SHA256_NONCE }],
  });
  const sha1 = control(spec.CALL_CONNECTED_SHA1);
  t.equal(sha1.messageType, MESSAGE_TYPE.CALL_CONNECTED);
  t.same(sha1.attributes, [
    {
      id: 3,
      hashProtocol: HASH_PROTOCOL.SHA1,
      nonce: spec.SHA1_NONCE,
      certHash: Buffer.concat([spec.SHA1_CERT_HASH, Buffer.alloc(12)]),
      compoundMac: Buffer.concat([spec.SHA1_COMPOUND_MAC, Buffer.alloc(12)]),
    },
  ]);
  t.same(control(spec.DISCONNECT).attributes, [{ id: 2, attribId: 0, status: 0, value: Buffer.alloc(0) }]);
  for (const [bytes, type] of [
    [spec.DISCONNECT_ACK, MESSAGE_TYPE.CALL_DISCONNECT_ACK],
    [spec.ECHO_REQUEST, MESSAGE_TYPE.ECHO_REQUEST],
    [spec.ECHO_RESPONSE, MESSAGE_TYPE.ECHO_RESPONSE],
  ] as const) {
    t.same(control(bytes), { kind: 'control', messageType: type, attributes: [] });
  }
  t.same(decodePacket(spec.DATA_LCP_CONFIGURE_REQUEST), { kind: 'data', payload: spec.LCP_CONFIGURE_REQUEST_FRAME });
});

t.test('server variants decode to usable status information', async (t) => {
  t.same(statusInfos(decodePacket(servers.SOFTETHER_ABORT)), [], 'SoftEther Abort carries no status');
  t.same(statusInfos(decodePacket(servers.SOFTETHER_DISCONNECT)), []);
  t.same(statusInfos(decodePacket(servers.SOFTETHER_CONNECT_NAK)), [{ id: 2, attribId: 1, status: 4, value: Buffer.alloc(0) }]);
  t.same(control(servers.SOFTETHER_CONNECT_ACK).attributes, [{ id: 4, hashBitmask: 0x02, nonce: servers.SAMPLE_NONCE }]);

  const accelNak = control(servers.ACCEL_PPP_CONNECT_NAK);
  t.same(accelNak.attributes, [{ id: 2, attribId: 1, status: 4, value: Buffer.alloc(0) }]);
  t.same(accelNak.trailing, Buffer.from([0, 0]), 'the value accel-ppp appends outside the attribute is kept aside');
  t.equal(accelNak.declaredAttributes, undefined, 'the declared count matched');
  t.same(statusInfos(decodePacket(servers.ACCEL_PPP_ABORT)), [{ id: 2, attribId: 2, status: 7, value: Buffer.alloc(0) }]);

  t.same(statusInfos(decodePacket(servers.SORZ_ABORT)), [
    { id: 2, attribId: 0, status: STATUS.INVALID_FRAME_RECEIVED, value: Buffer.alloc(0), quirk: 'status-only' },
  ], '8-byte Status Info: status only, AttribID reported as 0');
  t.same(statusInfos(decodePacket(servers.SORZ_CONNECT_NAK)), [
    { id: 2, attribId: 1, status: STATUS.VALUE_NOT_SUPPORTED, value: Buffer.alloc(0), quirk: 'attrib-in-header' },
  ], 'NAK attribute 0x01 with a 4-byte value reads as a status about attribute 1');
  t.same(statusInfos(decodePacket(servers.SORZ_DISCONNECT)), [
    { id: 2, attribId: 0, status: STATUS.NO_ERROR, value: Buffer.alloc(0), quirk: 'attrib-in-header' },
  ]);
  t.same(hashProtocolsFromBitmask((control(servers.SORZ_CONNECT_ACK_NO_HASH).attributes[0] as { hashBitmask: number }).hashBitmask), []);

  t.same(statusInfos(decodePacket(servers.WINDOWS_CONNECT_NAK_ECHO)), [
    { id: 2, attribId: 1, status: 4, value: Buffer.from([0, 2]) },
  ], 'the echoed proposal is returned as value');
});

t.test('missing-Encap NAK decodes with either AttribID the spec allows', async (t) => {
  for (const attribId of [ATTRIBUTE_ID.ENCAPSULATED_PROTOCOL_ID, ATTRIBUTE_ID.STATUS_INFO]) {
    const nak = callConnectNak([{ attribId, status: STATUS.REQUIRED_ATTRIBUTE_MISSING }]);
    const [info] = statusInfos(decodePacket(nak));
    t.equal(info?.attribId, attribId);
    t.equal(statusName(info!.status), 'REQUIRED_ATTRIBUTE_MISSING');
  }
});

t.test('every fixture re-encodes to its own bytes', async (t) => {
  for (const [name, bytes] of Object.entries(ALL_FIXTURES)) {
    t.same(encodePacket(decodePacket(bytes)), bytes, name);
  }
});

t.test('every message type and attribute round-trips through encode and decode', async (t) => {
  const nonce = Buffer.alloc(32, 0x5a);
  const attributes: SstpAttribute[] = [
    { id: 1, protocolId: 1 },
    { id: 2, attribId: 1, status: 4, value: Buffer.from([0, 2]) },
    { id: 3, hashProtocol: 2, nonce, certHash: Buffer.alloc(32, 1), compoundMac: Buffer.alloc(32, 2) },
    { id: 4, hashBitmask: 3, nonce },
    { id: 0x7f, raw: Buffer.from('future attribute') },
  ];
  for (const messageType of [...Object.values(MESSAGE_TYPE), 0x000a]) {
    for (const attrs of [[], attributes]) {
      const packet: SstpPacket = { kind: 'control', messageType, attributes: attrs };
      t.same(decodePacket(encodePacket(packet)), packet, `${messageTypeName(messageType)} with ${attrs.length} attributes`);
    }
  }
  const data: SstpPacket = { kind: 'data', payload: Buffer.alloc(0) };
  t.same(decodePacket(encodePacket(data)), data, 'empty data packet');
});

t.test('names for values on and off the tables', async (t) => {
  t.equal(messageTypeName(0x0002), 'CALL_CONNECT_ACK');
  t.equal(messageTypeName(0x000a), 'UNKNOWN(0x000a)');
  t.equal(attributeName(0x03), 'CRYPTO_BINDING');
  t.equal(attributeName(0x00), 'NO_ERROR');
  t.equal(attributeName(0x05), 'UNKNOWN(0x05)');
  t.equal(statusName(0x0b), 'STATUS_INFO_NOT_SUPPORTED_IN_MSG');
  t.equal(statusName(0x0c), 'UNKNOWN(0x0000000c)');
  t.same(hashProtocolsFromBitmask(0), []);
  t.same(hashProtocolsFromBitmask(1), ['sha1']);
  t.same(hashProtocolsFromBitmask(2), ['sha256']);
  t.same(hashProtocolsFromBitmask(3), ['sha1', 'sha256']);
  t.same(hashProtocolsFromBitmask(0xfc), [], 'unknown bits offer nothing');
});

t.test('describePacket summarises without secrets', async (t) => {
  t.equal(describePacket(decodePacket(servers.ACCEL_PPP_ABORT)), 'CALL_ABORT [STATUS_INFO(STATUS_INFO, INVALID_FRAME_RECEIVED)]');
  t.equal(describePacket(decodePacket(spec.DISCONNECT_ACK)), 'CALL_DISCONNECT_ACK');
  t.equal(describePacket(decodePacket(spec.DATA_LCP_CONFIGURE_REQUEST)), 'DATA(18 bytes)');
  const line = describePacket(decodePacket(spec.CALL_CONNECTED_SHA256));
  t.equal(line, 'CALL_CONNECTED [CRYPTO_BINDING(SHA256)]');
  t.notMatch(line.toLowerCase(), /412b489a|52a68efd/, 'no nonce or MAC bytes');
});

t.test('splitPacket waits for whole packets and returns what follows', async (t) => {
  for (const [name, bytes] of Object.entries(ALL_FIXTURES)) {
    for (let n = 0; n < bytes.length; n++) {
      if (splitPacket(bytes.subarray(0, n)) !== null) t.fail(`${name}: prefix of ${n} bytes should need more`);
    }
    const whole = splitPacket(bytes);
    t.same(whole?.packet, bytes, `${name}: whole packet`);
    t.equal(whole?.rest.length, 0);
  }
  const stream = Buffer.concat([spec.CONNECT_ACK_SHA256, spec.DATA_LCP_CONFIGURE_REQUEST, spec.ECHO_REQUEST.subarray(0, 3)]);
  const first = splitPacket(stream)!;
  t.same(first.packet, spec.CONNECT_ACK_SHA256);
  const second = splitPacket(first.rest)!;
  t.same(second.packet, spec.DATA_LCP_CONFIGURE_REQUEST);
  t.equal(splitPacket(second.rest), null, 'a partial third packet needs more bytes');
  t.same(second.rest, spec.ECHO_REQUEST.subarray(0, 3));
});

t.test('splitPacket rejects a stream that is not SSTP at once', async (t) => {
  const http = t.throws(() => splitPacket(Buffer.from('H'))) as DecodeError;
  t.ok(http instanceof DecodeError, 'an HTTP reply where SSTP was expected fails on its first byte');
  t.equal(http.field, 'version');
  t.equal(http.offset, 0);
  const short = t.throws(() => splitPacket(hex('10 01 00 03'))) as DecodeError;
  t.equal(short.field, 'length');
  t.equal(short.offset, 2);
  t.throws(() => splitPacket(hex('10 01 F0 00')), DecodeError, 'reserved bits do not hide a zero length');
});

t.test('decodePacket names the field and offset of every truncation', async (t) => {
  for (const [name, bytes] of Object.entries(ALL_FIXTURES)) {
    for (let n = 0; n < bytes.length; n++) {
      try {
        decodePacket(bytes.subarray(0, n));
        t.fail(`${name}: prefix of ${n} bytes decoded`);
      } catch (err) {
        if (!(err instanceof DecodeError) || err.field === '' || err.offset < 0 || err.offset > n) {
          t.fail(`${name}: prefix of ${n} bytes gave ${String(err)}`);
        }
      }
    }
  }
  const cut = t.throws(() => decodePacket(spec.CONNECT_ACK_SHA256.subarray(0, 20))) as DecodeError;
  t.equal(cut.field, 'length');
  t.equal(cut.offset, 2);
  t.match(cut.message, /48.*20/, 'says how long the packet claims to be and what arrived');
  const empty = t.throws(() => decodePacket(new Uint8Array(0))) as DecodeError;
  t.equal(empty.field, 'version');
});

t.test('decodePacket refuses inconsistent lengths', async (t) => {
  const extra = t.throws(() => decodePacket(Buffer.concat([spec.ECHO_REQUEST, Buffer.from([0])]))) as DecodeError;
  t.equal(extra.field, 'length', 'bytes beyond the declared length');

  // Abort whose Status Info claims 0x40 bytes but only 12 are present.
  const overrun = hex('10 01 00 14 00 05 00 01', '00 02 00 40', '00 00 00 02 00 00 00 07');
  const e1 = t.throws(() => decodePacket(overrun)) as DecodeError;
  t.equal(e1.field, 'attributes[0].length');
  t.equal(e1.offset, 10);

  const tiny = hex('10 01 00 0C 00 05 00 01', '00 02 00 03');
  const e2 = t.throws(() => decodePacket(tiny)) as DecodeError;
  t.equal(e2.field, 'attributes[0].length', 'an attribute shorter than its header');

  const partialHeader = hex('10 01 00 0A 00 05 00 01', '00 02');
  const e3 = t.throws(() => decodePacket(partialHeader)) as DecodeError;
  t.equal(e3.field, 'attributes[0].length');
  t.equal(e3.offset, 10);

  const noType = t.throws(() => decodePacket(hex('10 01 00 06 00 05'))) as DecodeError;
  t.equal(noType.field, 'numAttributes');
  t.equal(noType.offset, 6);

  const badVersion = t.throws(() => decodePacket(hex('20 01 00 08 00 08 00 00'))) as DecodeError;
  t.equal(badVersion.field, 'version');
});

t.test('decodePacket keeps what is there when the count disagrees', async (t) => {
  const missing = control(hex('10 01 00 08 00 05 00 01'));
  t.same(missing.attributes, [], 'declared one Status Info, sent none');
  t.equal(missing.declaredAttributes, 1);
  const undeclared = control(hex('10 01 00 14 00 05 00 00', '00 02 00 0C 00 00 00 02 00 00 00 07'));
  t.same(statusInfos(undeclared).map((s) => s.status), [7], 'declared none, sent one');
  t.equal(undeclared.declaredAttributes, 0);
  t.same(encodePacket(missing), hex('10 01 00 08 00 05 00 01'), 'the declared count survives re-encoding');
});

t.test('decodePacket ignores reserved bits and keeps unknown attributes', async (t) => {
  const p = control(hex('10 FF F0 0E 00 01 00 01 FF 01 F0 06 00 01'));
  t.equal(p.messageType, MESSAGE_TYPE.CALL_CONNECT_REQUEST, 'reserved bits set everywhere');
  t.same(p.attributes, [{ id: 1, protocolId: 1 }]);
  const odd = control(hex('10 01 00 10 00 02 00 01', '00 04 00 08 00 00 00 02'));
  t.same(odd.attributes, [{ id: 4, raw: hex('00 00 00 02') }], 'a Crypto Binding Request of the wrong size is kept raw');
  const unknown = control(hex('10 01 00 0E 00 0A 00 01', '00 09 00 06 AB CD'));
  t.equal(messageTypeName(unknown.messageType), 'UNKNOWN(0x000a)');
  t.same(unknown.attributes, [{ id: 9, raw: hex('AB CD') }]);
});

t.test('encoding refuses what cannot go on the wire', async (t) => {
  t.equal(dataPacket(Buffer.alloc(4091)).length, MAX_PACKET_LENGTH, 'the largest frame fits exactly');
  t.throws(() => dataPacket(Buffer.alloc(4092)), RangeError);
  t.throws(() => callConnectAck(2, Buffer.alloc(31)), RangeError, 'nonce must be 32 bytes');
  t.throws(() => callConnected(2, Buffer.alloc(32), Buffer.alloc(33), Buffer.alloc(0)), RangeError);
  t.throws(() => callConnectNak(Array.from({ length: 60 }, () => ({ attribId: 1, status: 4, value: Buffer.alloc(64) }))), RangeError);
  t.throws(() => callAbort({ attribId: 256, status: 1 }), RangeError);
  t.throws(() => encodePacket({ kind: 'control', messageType: -1, attributes: [] }), RangeError);
});

// ---- properties ----

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
// fc.record builds null-prototype objects; spread them so strict deep equality compares fields only.
const rec = <T extends object>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.record(model).map((r) => ({ ...r }) as T);
const fixed = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a));

const attributeArb: fc.Arbitrary<SstpAttribute> = fc.oneof(
  rec({ id: fc.constant(1 as const), protocolId: fc.integer({ min: 0, max: 0xffff }) }),
  rec({
    id: fc.constant(2 as const),
    attribId: fc.integer({ min: 0, max: 0xff }),
    status: fc.integer({ min: 0, max: 0xffffffff }),
    value: bytes(64),
  }),
  rec({
    id: fc.constant(3 as const),
    hashProtocol: fc.integer({ min: 0, max: 0xff }),
    nonce: fixed(32),
    certHash: fixed(32),
    compoundMac: fixed(32),
  }),
  rec({ id: fc.constant(4 as const), hashBitmask: fc.integer({ min: 0, max: 0xff }), nonce: fixed(32) }),
  rec({ id: fc.integer({ min: 5, max: 0xff }), raw: bytes(64) }),
);

const packetArb: fc.Arbitrary<SstpPacket> = fc.oneof(
  rec({ kind: fc.constant('data' as const), payload: bytes(4091) }),
  rec({
    kind: fc.constant('control' as const),
    messageType: fc.integer({ min: 0, max: 0xffff }),
    attributes: fc.array(attributeArb, { maxLength: 6 }),
  }),
);

t.test('property: random packets survive encode → split → decode', async (t) => {
  fc.assert(
    fc.property(packetArb, (packet) => {
      const wire = encodePacket(packet);
      const split = splitPacket(Buffer.concat([wire, Buffer.from([0x10])]));
      assert.ok(split);
      assert.deepEqual(split.packet, wire);
      assert.deepEqual(decodePacket(split.packet), packet);
    }),
    { numRuns: 300 },
  );
  t.pass('300 random packets round-tripped');
});

/** Random bytes, half of them given a valid SSTP header so decoding goes past the first checks. */
const noiseArb = fc.tuple(bytes(200), fc.boolean()).map(([b, framed]) => {
  if (framed && b.length >= 4) {
    b[0] = 0x10;
    b.writeUInt16BE(b.length, 2);
  }
  return b;
});

t.test('property: random bytes only ever raise DecodeError', async (t) => {
  fc.assert(
    fc.property(noiseArb, (b) => {
      for (const run of [() => decodePacket(b), () => splitPacket(b)]) {
        try {
          run();
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
        }
      }
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 random inputs');
});

t.test('property: a corrupted fixture byte never crashes the decoder', async (t) => {
  const names = Object.keys(ALL_FIXTURES);
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 0, max: 255 }), (name, at, value) => {
      const b = Buffer.from(ALL_FIXTURES[name]!);
      b[at % b.length] = value;
      try {
        const p = decodePacket(b);
        assert.ok(p.kind === 'control' || p.kind === 'data');
      } catch (err) {
        if (!(err instanceof DecodeError)) throw err;
      }
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 single-byte corruptions');
});
