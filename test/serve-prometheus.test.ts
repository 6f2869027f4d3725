import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { serve } from '../lib/serve/server.js';
import { unusedPort } from '../fixtures/ports.js';
import { startDaemon } from './helpers/daemon.js';
import { requireProgram } from './helpers/programs.js';
import { fixtureStarter } from './helpers/fixture.js';
import { httpGet } from './helpers/http-get.js';

// A real Prometheus (Debian's package) scrapes the exporter with the scrape config the README shows:
// metrics_path /probe and the target relabelled into ?target=, as for blackbox_exporter. One target is the
// healthy fixture, the other a closed port; Prometheus's own query API must then hold 1 and 0.

const start = fixtureStarter();

interface QueryAnswer {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

t.test('Prometheus scrapes /probe through relabelling and stores probe_success 1 and 0', async (t) => {
  if (!requireProgram(t, 'prometheus')) return;
  const healthy = await start(t, 'healthy');
  const exporter = await serve({ host: '127.0.0.1', port: 0, probeOptions: { trustedCaPems: healthy.trustedCaPems } });
  t.teardown(() => exporter.close());
  const closed = `127.0.0.1:${await unusedPort()}`;

  const prometheus = await startDaemon({
    program: 'prometheus',
    prepare(port, dir) {
      // The scrape timeout (3 s) leaves the probe 2.5 s: plenty for loopback even on a busy machine.
      const config = [
        'global:',
        '  scrape_interval: 3s',
        '  scrape_timeout: 3s',
        'scrape_configs:',
        '  - job_name: sstp',
        '    metrics_path: /probe',
        '    static_configs:',
        `      - targets: ['${healthy.address}', '${closed}']`,
        '    relabel_configs:',
        '      - source_labels: [__address__]',
        '        target_label: __param_target',
        '      - source_labels: [__param_target]',
        '        target_label: instance',
        '      - target_label: __address__',
        `        replacement: '127.0.0.1:${exporter.port}'`,
        '',
      ].join('\n');
      const file = path.join(dir, 'prometheus.yml');
      fs.writeFileSync(file, config);
      return [
        `--config.file=${file}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ];
    },
  });
  t.teardown(() => prometheus.close());

  const query = `http://127.0.0.1:${prometheus.port}/api/v1/query?query=probe_success`;
  let values: Record<string, string> = {};
  // Each scrape stores the latest value; a scrape slowed by a busy machine is simply followed by another.
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    const answer = await httpGet(query);
    if (answer.status === 200) {
      const parsed = JSON.parse(answer.body) as QueryAnswer;
      values = Object.fromEntries(parsed.data.result.map((series) => [series.metric.instance ?? '', series.value[1]]));
      if (values[healthy.address] === '1' && values[closed] === '0') break;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.equal(values[healthy.address], '1', 'the healthy fixture');
  t.equal(values[closed], '0', 'the closed port');

  const targets = JSON.parse((await httpGet(`http://127.0.0.1:${prometheus.port}/api/v1/targets`)).body) as {
    data: { activeTargets: Array<{ scrapeUrl: string; health: string; labels: Record<string, string> }> };
  };
  const scraped = targets.data.activeTargets.map((target) => target.scrapeUrl).sort();
  t.same(scraped, [healthy.address, closed].map((address) => `http://127.0.0.1:${exporter.port}/probe?target=${encodeURIComponent(address)}`).sort(), 'scraped through the exporter');
  t.ok(targets.data.activeTargets.every((target) => target.health === 'up'), 'both scrapes succeed: a failing server is a value, not a failed scrape');
});
