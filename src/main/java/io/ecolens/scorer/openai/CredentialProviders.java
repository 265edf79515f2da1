package io.ecolens.scorer.openai;

import io.ecolens.Errors;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProviderFactory;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * Reads a secret from Hadoop credential providers ({@code Configuration.getPassword}), so an API
 * key can live in a JCEKS keystore, a Hadoop KMS or any provider the cluster configures instead of
 * an environment variable. The Hadoop configuration is the JVM's ({@code core-site.xml}) plus the
 * Spark application's {@code spark.hadoop.*} settings, with {@code providers} (when given) as
 * {@code hadoop.security.credential.provider.path}.
 */
final class CredentialProviders {
  private CredentialProviders() {}

  /** The secret stored under {@code alias}, or null when no provider holds it. */
  static String password(String alias, String providers) {
    Configuration conf = new Configuration();
    SparkEnv env = SparkEnv.get();
    if (env != null) {
      for (Tuple2<String, String> e : env.conf().getAll()) {
        if (e._1().startsWith("spark.hadoop.")) {
          conf.set(e._1().substring("spark.hadoop.".length()), e._2());
        }
      }
    }
    if (providers != null) {
      conf.set(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, providers);
    }
    try {
      char[] secret = conf.getPassword(alias);
      return secret == null || secret.length == 0 ? null : new String(secret);
    } catch (IOException e) {
      throw Errors.stageFailed("score", "cannot read the API key alias '" + alias + "' (score.openai.api-key-alias) "
          + "from the credential providers " + conf.get(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH)
          + ": " + e.getMessage() + ". Check score.openai.credential-providers or the cluster's "
          + "hadoop.security.credential.provider.path, and the keystore password (HADOOP_CREDSTORE_PASSWORD).", e);
    }
  }
}
