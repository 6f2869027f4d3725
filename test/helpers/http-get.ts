import http from 'node:http';

// A plain HTTP GET over a fresh connection (no agent, no pooling), as a scraper makes it.

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function httpGet(url: string, options: { headers?: Record<string, string>; method?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { agent: false, method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}
