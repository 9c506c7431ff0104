package dev.pgnest.testing;

/**
 * Run in a child JVM by {@link AbandonedResourcesTest}: starts a cluster and a disk-backed S3
 * server, never closes them, then exits normally or waits to be killed.
 */
public final class AbandonedResourcesMain {

    private AbandonedResourcesMain() {
    }

    public static void main(String[] args) throws Exception {
        PostgresCluster pg = PostgresCluster.builder().start();
        S3Server s3 = S3Server.startOnTempDirectory();
        pg.execute("CREATE TABLE t AS SELECT 1 AS x");
        System.out.println("pg " + pg.postmasterPid() + " " + pg.workDir());
        System.out.println("s3 " + s3.baseDir().orElseThrow().getParent());
        System.out.println("ready");
        System.out.flush();
        if (args.length > 0 && args[0].equals("wait")) {
            Thread.sleep(120_000);
        }
        // a test main, not module code: exit with the server threads still running
        System.exit(0);
    }
}
