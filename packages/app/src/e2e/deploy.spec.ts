import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { serveDefaults } from '../config-schema.js';
import { loadConfig } from '../load-config.js';
import { ServiceMetrics } from '../service-metrics.js';
import { startMockHooksProcess, startService, workspaceRoot } from './cli-process.js';

const deploy = join(workspaceRoot, 'deploy/kubernetes');
const read = (file: string) => readFileSync(join(deploy, file), 'utf8');
const manifest = (file: string) => parse(read(file)) as Record<string, any>;
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1));

/** The variables Kubernetes injects into pods for `service` (service links). */
function serviceLinks(service: Record<string, any>): Record<string, string> {
  const prefix = String(service.metadata.name).toUpperCase().replace(/-/g, '_');
  const host = '10.96.0.10';
  const links: Record<string, string> = { [`${prefix}_SERVICE_HOST`]: host };
  const ports = service.spec.ports as Array<{ name: string; port: number }>;
  links[`${prefix}_SERVICE_PORT`] = String(ports[0]!.port);
  links[`${prefix}_PORT`] = `tcp://${host}:${ports[0]!.port}`;
  for (const { name, port } of ports) {
    links[`${prefix}_SERVICE_PORT_${name.toUpperCase()}`] = String(port);
    const tcp = `${prefix}_PORT_${port}_TCP`;
    Object.assign(links, { [tcp]: `tcp://${host}:${port}`, [`${tcp}_PROTO`]: 'tcp', [`${tcp}_PORT`]: String(port), [`${tcp}_ADDR`]: host });
  }
  return links;
}

describe('deploy/kubernetes and the Dockerfile agree with the code', function () {
  this.timeout(30_000);
  const deployment = manifest('deployment.yaml');
  const service = manifest('service.yaml');
  const configMap = manifest('configmap.yaml');
  const secret = manifest('secret.yaml');
  const container = deployment.spec.template.spec.containers[0];
  const containerPort = (name: string) => (container.ports as Array<{ name: string; containerPort: number }>).find((port) => port.name === name)!.containerPort;
  const environment = { ...configMap.data, ...secret.stringData } as Record<string, string>;

  it('parses every YAML document and the dashboard JSON', () => {
    for (const file of readdirSync(deploy)) {
      if (file.endsWith('.yaml')) for (const document of parseAllDocuments(read(file))) expect(document.errors, file).to.deep.equal([]);
    }
    expect(() => JSON.parse(read('grafana-dashboard.json'))).not.to.throw();
    const kustomization = manifest('kustomization.yaml');
    for (const file of kustomization.resources as string[]) expect(readdirSync(deploy)).to.include(file);
  });

  it('configures only keys the service knows, with values it accepts', () => {
    const config = loadConfig({ env: { ...environment, ...serviceLinks(service) }, flags: {}, defaults: serveDefaults });
    expect(portOf(config.grpcAddress)).to.equal(containerPort('grpc'));
    expect(portOf(config.httpAddress)).to.equal(containerPort('http'));
    expect(config.storeUrl).to.match(/^postgres:/, 'two replicas need PostgreSQL');
    expect(config.shutdownGraceMs / 1000).to.be.below(deployment.spec.template.spec.terminationGracePeriodSeconds);
  });

  it('uses the default ports, probes gRPC health for readiness and /healthz for liveness, and runs two non-root replicas', () => {
    expect(containerPort('grpc')).to.equal(portOf(serveDefaults.grpcAddress));
    expect(containerPort('http')).to.equal(portOf(serveDefaults.httpAddress));
    expect(container.readinessProbe.grpc.port).to.equal(containerPort('grpc'));
    expect(container.livenessProbe.httpGet).to.deep.equal({ path: '/healthz', port: 'http' });
    expect(deployment.spec.replicas).to.equal(2);
    expect(deployment.spec.template.spec.enableServiceLinks).to.equal(false);
    expect(deployment.spec.template.spec.securityContext.runAsNonRoot).to.equal(true);
    expect(service.metadata.name).to.equal('ccx-hook');
    expect(service.spec.ports.map((port: { targetPort: string }) => port.targetPort)).to.deep.equal(['grpc', 'http']);
    const annotations = deployment.spec.template.metadata.annotations;
    expect([Number(annotations['prometheus.io/port']), annotations['prometheus.io/path']]).to.deep.equal([containerPort('http'), '/metrics']);
  });

  it('charts only metrics the service exposes', async () => {
    const metrics = new ServiceMetrics({ figures: () => undefined, lastProgressAt: () => Date.now(), signingCredentials: () => 1, breaker: { isOpen: () => false }, endpoints: [] });
    const exposed = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const charted = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(ccx_hook|process|nodejs)_\w+/g) ?? []));
    expect(charted.length).to.be.above(8);
    for (const name of charted) expect(exposed, name).to.include(name.replace(/_(bucket|sum|count)$/, ''));
    for (const name of exposed) if (name.startsWith('ccx_hook_')) expect(charted.join(' '), `${name} has no panel`).to.include(name);
  });

  it('builds the image from every public package, exposes the default ports and runs serve by default', () => {
    const dockerfile = readFileSync(join(workspaceRoot, 'Dockerfile'), 'utf8');
    const root = JSON.parse(readFileSync(join(workspaceRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
    const publicPackages = root.workspaces.filter((path) => !(JSON.parse(readFileSync(join(workspaceRoot, path, 'package.json'), 'utf8')) as { private?: boolean }).private);
    expect([...dockerfile.matchAll(/-w (\S+)/g)].map((match) => match[1])).to.deep.equal(publicPackages);
    expect(/^EXPOSE (.*)$/m.exec(dockerfile)![1]!.split(' ').map(Number)).to.deep.equal([containerPort('grpc'), containerPort('http')]);
    const app = JSON.parse(readFileSync(join(workspaceRoot, 'packages/app/package.json'), 'utf8')) as { name: string; bin: Record<string, string> };
    expect(dockerfile).to.include(`ENTRYPOINT ["node", "/app/node_modules/${app.name}/${app.bin[app.name]}"]`);
    expect(dockerfile).to.match(/^CMD \["serve"\]$/m);
    expect(dockerfile).to.match(/^USER node$/m);
  });

  it('starts with the variables Kubernetes injects for the Service named ccx-hook', async () => {
    const receiver = await startMockHooksProcess();
    const dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-deploy-'));
    try {
      const { service: running } = await startService({
        ...serviceLinks(service),
        CCX_HOOK_HOOKS_URL: receiver.url,
        CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      });
      expect(await running.stop('SIGTERM')).to.equal(0);
    } finally {
      await receiver.mock.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
