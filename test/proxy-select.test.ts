import util from 'node:util';
import t from 'tap';
import { UsageError } from '../lib/errors.js';
import { chooseProxy, parseProxyUrl, ProxyUrlError } from '../lib/proxy/select.js';

const target = { host: 'vpn.contoso.com', port: 443 };

t.test('HTTPS_PROXY from the environment is used when nothing else is given', async (t) => {
  const choice = chooseProxy({ target, env: { HTTPS_PROXY: 'http://proxy.contoso.com:3128' } });
  t.equal(choice.source, 'env');
  t.equal(choice.reason, 'HTTPS_PROXY');
  t.equal(choice.proxy?.host, 'proxy.contoso.com');
  t.equal(choice.proxy?.port, 3128);
  t.equal(choice.proxy?.protocol, 'http:');
  t.equal(choice.proxy?.redactedUrl, 'http://proxy.contoso.com:3128');
});

t.test('https_proxy wins over HTTPS_PROXY, as in curl', async (t) => {
  const choice = chooseProxy({ target, env: { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' } });
  t.equal(choice.reason, 'https_proxy');
  t.equal(choice.proxy?.host, 'lower');
  const upperOnly = chooseProxy({ target, env: { HTTPS_PROXY: 'http://upper:1', https_proxy: '' } });
  t.equal(upperOnly.proxy?.host, 'upper', 'an empty variable counts as unset');
});

t.test('no proxy when none is configured; http_proxy does not apply to https', async (t) => {
  t.same(chooseProxy({ target, env: {} }), { proxy: null, source: 'none', reason: 'no proxy configured' });
  t.equal(chooseProxy({ target, env: { http_proxy: 'http://p:3128', HTTP_PROXY: 'http://p:3128' } }).proxy, null);
});

t.test('NO_PROXY bypasses the environment proxy and says which entry matched', async (t) => {
  const env = { HTTPS_PROXY: 'http://proxy:3128', NO_PROXY: 'localhost, .contoso.com, 10.0.0.0/8, fd00::/8, [::1]:8443' };
  t.same(chooseProxy({ target, env }), { proxy: null, source: 'none', reason: 'NO_PROXY matched .contoso.com' });
  t.equal(chooseProxy({ target: { host: '10.9.8.7', port: 443 }, env }).reason, 'NO_PROXY matched 10.0.0.0/8');
  t.equal(chooseProxy({ target: { host: 'fd01::5', port: 443 }, env }).reason, 'NO_PROXY matched fd00::/8');
  t.equal(chooseProxy({ target: { host: '::1', port: 8443 }, env }).reason, 'NO_PROXY matched [::1]:8443');
  t.equal(chooseProxy({ target: { host: '::1', port: 443 }, env }).source, 'env', 'another port still uses the proxy');
  t.equal(chooseProxy({ target: { host: 'vpn.fabrikam.com', port: 443 }, env }).source, 'env');
  const star = chooseProxy({ target, env: { HTTPS_PROXY: 'http://proxy:3128', no_proxy: '*', NO_PROXY: '' } });
  t.equal(star.reason, 'no_proxy matched *');
  const lowerFirst = chooseProxy({ target, env: { HTTPS_PROXY: 'http://p:1', no_proxy: 'fabrikam.com', NO_PROXY: '*' } });
  t.equal(lowerFirst.source, 'env', 'no_proxy wins over NO_PROXY, as in curl');
});

t.test('--proxy beats the environment and is not subject to NO_PROXY', async (t) => {
  const env = { HTTPS_PROXY: 'http://env-proxy:3128', NO_PROXY: '*' };
  const choice = chooseProxy({ target, env, flagProxy: 'http://flag-proxy:8080' });
  t.equal(choice.source, 'flag');
  t.equal(choice.reason, '--proxy');
  t.equal(choice.proxy?.host, 'flag-proxy');
});

t.test('--no-proxy beats everything', async (t) => {
  const choice = chooseProxy({ target, env: { HTTPS_PROXY: 'http://p:1' }, flagProxy: 'http://q:2', noProxyFlag: true });
  t.same(choice, { proxy: null, source: 'none', reason: '--no-proxy' });
});

t.test('proxy URL forms', async (t) => {
  const bare = parseProxyUrl('proxy.contoso.com:8080', 'HTTPS_PROXY');
  t.equal(bare.protocol, 'http:', 'no scheme means http://, as in curl');
  t.equal(bare.port, 8080);
  t.equal(parseProxyUrl('http://proxy', 'x').port, 80, 'http default port');
  const tlsProxy = parseProxyUrl('https://secure-proxy.contoso.com', 'x');
  t.equal(tlsProxy.protocol, 'https:');
  t.equal(tlsProxy.port, 443, 'https default port');
  const v6 = parseProxyUrl('http://[2001:db8::3]:3128/', 'x');
  t.equal(v6.host, '2001:db8::3', 'IPv6 host without brackets');
  t.equal(v6.redactedUrl, 'http://[2001:db8::3]:3128');
  t.equal(v6.url.href, 'http://[2001:db8::3]:3128/');
});

t.test('credentials come percent-decoded from the URL, or from the explicit options', async (t) => {
  const p = parseProxyUrl('http://CONTOSO%5Calice:p%40ss%3Aw0rd@proxy:3128', 'x');
  t.equal(p.username, 'CONTOSO\\alice');
  t.equal(p.password, 'p@ss:w0rd');
  t.equal(p.url.username, '', 'the URL itself carries no credentials');
  t.equal(p.url.password, '');
  t.equal(p.redactedUrl, 'http://CONTOSO%5Calice:***@proxy:3128');

  const choice = chooseProxy({
    target,
    env: { HTTPS_PROXY: 'http://old:old-pass@proxy:3128' },
    proxyUser: 'bob',
    proxyPassword: 'from-env-var',
  });
  t.equal(choice.proxy?.username, 'bob');
  t.equal(choice.proxy?.password, 'from-env-var');
  const onlyPassword = chooseProxy({ target, env: {}, flagProxy: 'http://carol@proxy:3128', proxyPassword: 'pw' });
  t.equal(onlyPassword.proxy?.username, 'carol');
  t.equal(onlyPassword.proxy?.password, 'pw');
  t.equal(chooseProxy({ target, env: {}, flagProxy: 'http://proxy:1', proxyPassword: 'pw' }).proxy?.password, null,
    'a password without a user name is not used');
  t.equal(parseProxyUrl('http://dave@proxy:1', 'x').redactedUrl, 'http://dave@proxy:1');
});

t.test('the password does not show when a choice is printed or serialised', async (t) => {
  const choice = chooseProxy({ target, env: {}, flagProxy: 'http://alice:Tr0ub4dor-3@proxy:3128' });
  t.equal(choice.proxy?.password, 'Tr0ub4dor-3', 'still readable by the code that needs it');
  t.notMatch(JSON.stringify(choice), /Tr0ub4dor/);
  t.notMatch(util.inspect(choice, { depth: 5 }), /Tr0ub4dor/);
});

t.test('a bad proxy URL is a usage error without the password in its message', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['socks5://alice:hunter2@proxy:1080', /unsupported proxy scheme "socks5:"/],
    ['http://alice:hunter2@proxy:99999', /not a valid proxy URL: http:\/\/\*\*\*@proxy:99999/],
    ['http://alice:hunter2@exa mple:3128', /not a valid proxy URL/],
    ['http://al%3Aice:hunter2@proxy:3128', /must not contain ":"/],
    ['http://alice:hunter2%zz@proxy:3128', /malformed percent-escape/],
    ['http://alice:hunter2@proxy:0', /port 0/],
  ];
  for (const [raw, message] of cases) {
    try {
      chooseProxy({ target, env: { HTTPS_PROXY: raw } });
      t.fail(`${raw} should be refused`);
    } catch (error) {
      t.ok(error instanceof ProxyUrlError, raw);
      t.ok(error instanceof UsageError, 'the CLI treats it as a usage error (exit 2)');
      t.equal((error as ProxyUrlError).code, 'ERR_PROXY_URL');
      t.match((error as Error).message, message);
      t.match((error as Error).message, /^HTTPS_PROXY: /, 'names where the value came from');
      t.notMatch(`${(error as Error).message} ${(error as Error).stack}`, /hunter2/);
    }
  }
  t.throws(() => chooseProxy({ target, env: {}, flagProxy: 'http://u:pa/ss@x' }), { code: 'ERR_PROXY_URL' });
  try {
    chooseProxy({ target, env: {}, flagProxy: 'http://exa mple/secret-proxy-pw', proxyUser: 'u', proxyPassword: 'secret-proxy-pw' });
    t.fail('a URL with a space should be refused');
  } catch (error) {
    t.notMatch((error as Error).message, /secret-proxy-pw/, 'an explicit password is masked too');
  }
});

t.test('a bypassed environment proxy is not even parsed', async (t) => {
  const choice = chooseProxy({ target, env: { HTTPS_PROXY: 'socks5://p:1', NO_PROXY: 'contoso.com' } });
  t.equal(choice.reason, 'NO_PROXY matched contoso.com');
});
