import { junitTestCases, readJunit } from '../../src/reports/junit-report.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import { cacheMountPoint, type StartPoint } from '../../src/start-point.ts';

/** Debian's JDK 17 by its own path: /usr/bin/java follows the alternatives, which may name another JDK. */
const jdk = `/usr/lib/jvm/java-17-openjdk-${process.arch === 'x64' ? 'amd64' : process.arch}`;
/** Debian's junit5: a launcher whose manifest lists the Jupiter engine's jars beside it in /usr/share/java. */
const launcher = '/usr/share/java/junit-platform-console-standalone.jar';

/**
 * A short-lived JVM: C1 only, the serial collector, a heap well inside the sandbox's memory limit, and the
 * processor count fixed so that GC and compiler threads stay within the process limit on big machines.
 */
const jvm = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xmx256m', '-XX:ActiveProcessorCount=2', '-Xshare:auto'];
const javacJvm = jvm.map((flag) => `-J${flag}`).join(' ');

/**
 * Java 17 with JUnit 5 (Debian's openjdk-17-jdk-headless and junit5): javac against the console launcher,
 * then the launcher scans the compiled classes and writes JUnit XML. JVM start-up dominates a run, so the
 * runner archives the classes javac and the launcher load (AppCDS, by running the starter kata once).
 */
export const java: StartPoint = {
  id: 'java',
  testFramework: 'JUnit 5',
  kata: new URL('./kata/', import.meta.url),
  requires: [
    { path: `${jdk}/bin/javac`, from: 'Debian package openjdk-17-jdk-headless' },
    { path: launcher, from: 'Debian package junit5' },
  ],
  mounts: [{ host: '/etc/java-17-openjdk', at: '/etc/java-17-openjdk' }],
  env: {},
  cache: {
    build: [
      `${jdk}/bin/javac ${javacJvm} -J-XX:ArchiveClassesAtExit=${cacheMountPoint}/javac.jsa -d /tmp/classes -cp ${launcher} $(find . -name '*.java')`,
      `{ ${jdk}/bin/java ${jvm.join(' ')} -XX:ArchiveClassesAtExit=${cacheMountPoint}/launcher.jsa -jar ${launcher} --disable-banner --disable-ansi-colors -cp /tmp/classes --scan-classpath --reports-dir=/tmp/reports; [ -f ${cacheMountPoint}/launcher.jsa ]; }`,
    ].join(' && '),
  },
  build: `${jdk}/bin/javac ${javacJvm} -J-XX:SharedArchiveFile=${cacheMountPoint}/javac.jsa -d /tmp/classes -cp ${launcher} $(find . -name '*.java')`,
  test:
    `${jdk}/bin/java ${jvm.join(' ')} -XX:SharedArchiveFile=${cacheMountPoint}/launcher.jsa -jar ${launcher} ` +
    '--disable-banner --disable-ansi-colors --details=tree -cp /tmp/classes --scan-classpath --reports-dir=/tmp/reports',
  report: '/tmp/reports/TEST-junit-jupiter.xml',
  read(report) {
    if (report === undefined) return emptyReport;
    const cases = readJunit(report);
    return {
      // JUnit 5 writes an exception other than an assertion as <error>: the test ran and failed.
      tests: junitTestCases(cases, 'failed'),
      outOfMemory: cases.some((c) => c.type === 'java.lang.OutOfMemoryError'),
    };
  },
};
