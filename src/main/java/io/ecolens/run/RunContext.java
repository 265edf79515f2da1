package io.ecolens.run;

import io.ecolens.config.EcolensConfig;
import io.ecolens.config.RunId;
import io.ecolens.policy.Policy;
import io.ecolens.policy.PolicyLoader;
import io.ecolens.tables.TableStore;
import org.apache.spark.sql.SparkSession;

/**
 * What every stage of one run needs: the session, the tables, the validated config, the run id
 * and the policy. Lives on the driver only; executors get just the pieces a stage hands them.
 */
public final class RunContext {
  private final SparkSession spark;
  private final TableStore store;
  private final EcolensConfig config;
  private final String runId;
  private final boolean newRun;
  private Policy policy;

  /** A run's context; {@code runId} is checked ({@link RunId}) and fails with exit code 2 when tables cannot hold it. */
  public RunContext(SparkSession spark, EcolensConfig config, String runId) {
    this(spark, config, RunId.of(runId));
  }

  public RunContext(SparkSession spark, EcolensConfig config, RunId runId) {
    this.spark = spark;
    this.config = config;
    this.runId = runId.value();
    this.newRun = runId.minted();
    this.store = new TableStore(spark, config.catalog().database());
  }

  public SparkSession spark() {
    return spark;
  }

  public TableStore store() {
    return store;
  }

  public EcolensConfig config() {
    return config;
  }

  public String runId() {
    return runId;
  }

  /** Whether the run id was minted by this process ({@link RunId#generated()}): no table holds rows of it yet. */
  public boolean newRun() {
    return newRun;
  }

  /** The policy named by {@code score.policy}, loaded once. */
  public synchronized Policy policy() {
    if (policy == null) {
      policy = PolicyLoader.load(config.score().policy(), spark.sparkContext().hadoopConfiguration());
    }
    return policy;
  }

  /** Labels the Spark jobs that follow, so the Spark UI shows which stage runs them. */
  public void describe(String stage, String details) {
    spark.sparkContext().setJobGroup("ecolens-" + stage, "ecolens " + stage + " run " + runId
        + (details.isEmpty() ? "" : " (" + details + ")"), false);
  }
}
