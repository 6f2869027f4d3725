import t from 'tap';
import { basicAuthorization, isSupportedScheme, parseAuthSchemes } from '../lib/proxy/challenge.js';

t.test('schemes are read from every challenge, across fields and within one field', async (t) => {
  t.same(parseAuthSchemes(['NTLM', 'Negotiate']), ['NTLM', 'Negotiate']);
  // RFC 9110 §11.6.1: several challenges in one field, auth-params separated by commas too.
  t.same(
    parseAuthSchemes(['Basic realm="simple", Newauth realm="apps", type=1, title="Login to \\"apps\\""']),
    ['Basic', 'Newauth'],
  );
  t.same(
    parseAuthSchemes(['Digest realm="p", qop="auth,auth-int", nonce="abc", algorithm=MD5', 'basic realm="x"']),
    ['Digest', 'Basic'],
    'commas inside quotes do not split; known names are spelled canonically',
  );
  t.same(parseAuthSchemes(['Negotiate YIIB9wYGKwYBBQUCoIIB6z==']), ['Negotiate'], 'a token68 is not a scheme');
  t.same(parseAuthSchemes(['basic realm="a"', 'BASIC realm="b"']), ['Basic'], 'no duplicates');
  t.same(parseAuthSchemes([]), []);
});

t.test('Basic, NTLM and Negotiate (carrying NTLM) can be answered; Digest and Kerberos cannot', async (t) => {
  for (const s of ['basic', 'NTLM', 'negotiate']) t.ok(isSupportedScheme(s), s);
  for (const s of ['Digest', 'Kerberos', 'Bearer']) t.notOk(isSupportedScheme(s), s);
});

t.test('Basic credentials follow RFC 7617 §2', async (t) => {
  // The RFC's example.
  t.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  // RFC 7617 §2.1 UTF-8 example: user "test", password "123£".
  t.equal(basicAuthorization('test', '123\u00a3'), 'Basic dGVzdDoxMjPCow==');
});
