import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { configKeys, configSchema, envName, serveDefaults } from '../config-schema.js';
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
  const kustomization = manifest('kustomization.yaml');
  /** secret.env.example, as an operator fills it in. */
  const example = Object.fromEntries(
    read('secret.env.example').split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=') as [string, string]),
  );
  const filledIn = {
    CCX_HOOK_HOOKS_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
    CCX_HOOK_STORE_URL: 'postgres://ccx_hook:pw@postgres.database.svc:5432/ccx_hook',
  };
  const container = deployment.spec.template.spec.containers[0];
  const containerPort = (name: string) => (container.ports as Array<{ name: string; containerPort: number }>).find((port) => port.name === name)!.containerPort;
  const environment = { ...configMap.data, ...filledIn } as Record<string, string>;

  it('parses every YAML document and the dashboard JSON', () => {
    for (const file of readdirSync(deploy)) {
      if (file.endsWith('.yaml')) for (const document of parseAllDocuments(read(file))) expect(document.errors, file).to.deep.equal([]);
    }
    expect(() => JSON.parse(read('grafana-dashboard.json'))).not.to.throw();
    for (const file of kustomization.resources as string[]) expect(readdirSync(deploy)).to.include(file);
  });

  it('cannot overwrite the operator\'s Secret, nor ship a placeholder secret', () => {
    const applied = (kustomization.resources as string[]).flatMap((file) => parseAllDocuments(read(file)).map((document) => document.toJS() as { kind: string }));
    expect(applied.map((resource) => resource.kind), 'no Secret among the resources').not.to.include('Secret');
    // The Secret comes from a file the operator writes, under a hashed name no hand-made Secret has.
    expect(kustomization.secretGenerator).to.deep.equal([{ name: 'ccx-hook', envs: ['secret.env'], options: { labels: { 'app.kubernetes.io/name': 'ccx-hook' } } }]);
    expect(container.envFrom).to.deep.include({ secretRef: { name: 'ccx-hook' } });
    const tracked = execFileSync('git', ['ls-files', 'deploy/kubernetes'], { cwd: workspaceRoot, encoding: 'utf8' });
    expect(tracked).not.to.match(/secret\.env$/m);
    expect(readFileSync(join(workspaceRoot, '.gitignore'), 'utf8')).to.match(/^deploy\/kubernetes\/secret\.env$/m);
    expect(Object.keys(example).sort()).to.deep.equal(Object.keys(filledIn).sort());
    // The example as it is, copied without filling in: the service refuses to start.
    expect(() => loadConfig({ env: { ...configMap.data, ...example }, flags: {}, defaults: serveDefaults })).to.throw(/store\.url/);
    // The old template's placeholder, should it be found in a cluster: refused too.
    const placeholder = `whsec_${Buffer.from('REPLACE-ME-WITH-32-RANDOM-BYTES!').toString('base64')}`;
    expect(() => loadConfig({ env: { ...environment, CCX_HOOK_HOOKS_SECRET: placeholder }, flags: {}, defaults: serveDefaults })).to.throw(/placeholder/);
    // And the image is set in one place.
    expect(kustomization.images).to.deep.equal([{ name: container.image.split(':')[0], newName: 'registry.example.com/ccx-hook-service', newTag: '0.1.0' }]);
  });

  it('names only configuration keys as CCX_HOOK_* variables (and, in comments, the ones Kubernetes injects)', () => {
    const keys = new Set(configKeys(configSchema(serveDefaults)).map(({ key }) => envName(key)));
    let names = 0;
    for (const file of readdirSync(deploy)) {
      for (const line of read(file).split('\n')) {
        for (const [name] of line.matchAll(/CCX_HOOK_[A-Z0-9_]+/g)) {
          names++;
          const injected = /^CCX_HOOK_(SERVICE_HOST|PORT)$/.test(name) && line.trim().startsWith('#');
          expect(keys.has(name) || injected, `${file}: ${name}`).to.equal(true);
        }
      }
    }
    expect(names).to.be.above(10);
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
    const metrics = new ServiceMetrics({ figures: () => undefined, lastProgressAt: () => Date.now(), signingCredentials: () => 1, breaker: { isOpen: () => false }, endpoints: [], hooks: [], isGone: () => false });
    const exposed = new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
    const charted = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(ccx_hook|process|nodejs)_\w+/g) ?? []));
    expect(charted.length).to.be.above(8);
    for (const name of charted) expect(exposed, name).to.include(name.replace(/_(bucket|sum|count)$/, ''));
    for (const name of exposed) if (name.startsWith('ccx_hook_')) expect(charted.join(' '), `${name} has no panel`).to.include(name);
  });

  it('builds the image from every public package, exposes the default ports and runs serve by default', () => {
    const dockerfile = readFileSync(join(workspaceRoot, 'Dockerfile'), 'utf8');
    expect(dockerfile).to.include('npm run pack -- /tarballs').and.include('npm install --omit=dev --no-audit --no-fund /tarballs/*.tgz');
    // Offline builds compile better-sqlite3: a compiler where npm ci and npm install run.
    expect(dockerfile).to.match(/^FROM \$\{NODE_IMAGE\} AS toolchain\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends python3 make g\+\+/m);
    expect(dockerfile).to.match(/^FROM toolchain AS build$/m).and.match(/^FROM toolchain AS install$/m);
    expect(/^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)![1], 'the current LTS').to.equal('24');
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
