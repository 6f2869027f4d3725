import t from 'tap';
import { redactProxyUrl, redactRawProxyUrl, scrubSecrets, secretForms, withoutUrlCredentials } from '../lib/proxy/redact.js';

t.test('a proxy URL shows the user but never the password', async (t) => {
  t.equal(
    redactProxyUrl({ protocol: 'http:', host: 'proxy.contoso.com', port: 3128, username: 'alice', password: 'pw' }),
    'http://alice:***@proxy.contoso.com:3128',
  );
  t.equal(
    redactProxyUrl({ protocol: 'https:', host: '::1', port: 443, username: null, password: null }),
    'https://[::1]:443',
  );
  t.equal(
    redactProxyUrl({ protocol: 'http:', host: 'p', port: 80, username: 'CONTOSO\\bob', password: null }),
    'http://CONTOSO%5Cbob@p:80',
  );
});

t.test('an unparsable URL hides everything before its last "@"', async (t) => {
  t.equal(redactRawProxyUrl('http://bob:pa/ss@word@proxy:3128'), 'http://***@proxy:3128');
  t.equal(redactRawProxyUrl('proxy:3128'), 'proxy:3128');
});

t.test('credentials inside any URL of a text are dropped, the rest kept', async (t) => {
  t.equal(withoutUrlCredentials('CRL http://bob:s3cret@crl.contoso.com/a.crl timed out'), 'CRL http://crl.contoso.com/a.crl timed out');
  t.equal(withoutUrlCredentials('via http://bob:p@ss@proxy:3128 and https://x/'), 'via http://proxy:3128 and https://x/', 'a password holding "@"');
  t.equal(withoutUrlCredentials('mail bob@contoso.com'), 'mail bob@contoso.com', 'not a URL');
});

t.test('every form of a secret is masked, longest first', async (t) => {
  const forms = secretForms('p@ss w', 'Ym9iOnBAc3Mgdw==');
  const text = 'a p@ss w b p%40ss%20w c Ym9iOnBAc3Mgdw== d';
  t.equal(scrubSecrets(text, forms), 'a *** b *** c *** d');
  t.same(secretForms(null, null), []);
  t.same(secretForms('', null), [], 'an empty password masks nothing');
});
