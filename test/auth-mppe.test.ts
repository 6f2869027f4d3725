import t from 'tap';
import { getAsymmetricStartKey, getMasterKey, msChapV2Hlak, mppeStartKeys, zeroHlak } from '../lib/auth/mppe.js';
import { ntPasswordHash, ntPasswordHashHash } from '../lib/auth/mschapv2.js';

// RFC 3079 §3.5.3 sample (the RFC 2759 §9.2 password and NT-Response).
const ntResponse = Buffer.from('82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF', 'hex');
const hex = (b: Buffer): string => b.toString('hex').toUpperCase();

t.test('RFC 3079 master key and 128-bit start keys', async (t) => {
  const masterKey = getMasterKey(ntPasswordHashHash(ntPasswordHash('clientPass')), ntResponse);
  t.equal(hex(masterKey), 'FDECE3717A8C838CB388E527AE3CDD31', 'MasterKey');
  // RFC 3079 prints SendStartKey128 = 8B7CDC14...: that is the server's send key (Magic3), which is
  // the client's receive key.
  t.equal(hex(getAsymmetricStartKey(masterKey, true, true)), '8B7CDC149B993A1BA118CB153F56DCCB', 'server send');
  t.equal(hex(getAsymmetricStartKey(masterKey, false, false)), '8B7CDC149B993A1BA118CB153F56DCCB', 'client receive');
  t.equal(hex(getAsymmetricStartKey(masterKey, true, false)), 'D5F0E9521E3EA9589645E86051C82226', 'client send');
  t.equal(hex(getAsymmetricStartKey(masterKey, false, true)), 'D5F0E9521E3EA9589645E86051C82226', 'server receive');
});

t.test('HLAK: client send ‖ receive equals server receive ‖ send', async (t) => {
  const client = msChapV2Hlak('clientPass', ntResponse, 'client');
  t.equal(hex(client), 'D5F0E9521E3EA9589645E86051C822268B7CDC149B993A1BA118CB153F56DCCB');
  t.same(msChapV2Hlak('clientPass', ntResponse, 'server'), client);
  const keys = mppeStartKeys('clientPass', ntResponse, 'server');
  t.equal(hex(keys.sendKey), '8B7CDC149B993A1BA118CB153F56DCCB');
  t.not(hex(msChapV2Hlak('otherPass', ntResponse, 'client')), hex(client), 'depends on the password');
});

t.test('PAP / CHAP-MD5 HLAK is 32 zero bytes', async (t) => {
  t.same(zeroHlak(), Buffer.alloc(32));
});
