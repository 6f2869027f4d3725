// The ordered rule table, most fundamental first: a name that does not resolve explains everything
// after it, a certificate problem matters before an HTTP status, and information comes last in its group.

import type { Rule } from './rule.js';
import { addressesRule } from './rules-addresses.js';
import { ekuRule, hashRule, nameRule, strengthRule, untrustedRule, validityRule } from './rules-certificate.js';
import { revocationRule } from './rules-revocation.js';
import { httpRule } from './rules-http.js';
import { dnsRule, proxyRule, tcpRule } from './rules-network.js';
import { authRule, pppRule, sstpRule } from './rules-session.js';
import { ipv6BindingRule, sniRule, tlsRule } from './rules-tls.js';
import { cancelledRule } from './rules-probe.js';
import { netshScopeRule } from './rules-netsh.js';
import { connectionsRule } from './rules-connections.js';
import { offloadRule } from './rules-offload.js';
import { clientsRule } from './rules-clients.js';

export const RULES: readonly Rule[] = [
  dnsRule,
  proxyRule,
  tcpRule,
  tlsRule,
  clientsRule,
  sniRule,
  untrustedRule,
  validityRule,
  nameRule,
  ekuRule,
  revocationRule,
  hashRule,
  strengthRule,
  ipv6BindingRule,
  netshScopeRule,
  addressesRule,
  connectionsRule,
  offloadRule,
  httpRule,
  sstpRule,
  pppRule,
  authRule,
  cancelledRule,
];
