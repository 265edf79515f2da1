package io.ecolens.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shipped cluster configs load, use the cluster's catalog and S3, and hold no secret. */
class ClusterConfigsTest {

  @ParameterizedTest
  @ValueSource(strings = {"conf/cluster-example.yaml", "conf/cluster-k8s.yaml", "conf/cluster-standalone.yaml"})
  void loadsWithTheClustersCatalogAndTablesOnS3(String file) throws IOException {
    EcolensConfig config = ConfigLoader.load(Path.of(file), List.of());
    assertThat(config.catalog().embedded()).isFalse();
    assertThat(config.catalog().warehouse()).startsWith("s3a://");
    assertThat(config.input().corpus().path()).startsWith("s3a://");
    assertThat(config.generate().enabled()).isFalse();
    assertThat(config.score().policy()).startsWith("classpath:");
    assertThat(config.spark().conf().keySet()).noneMatch(k -> k.contains("secret") || k.contains("access.key"));
    assertThat(Files.readString(Path.of(file))).doesNotContainPattern("(?i)(secret|access)[._-]key\\s*:");
  }

  @ParameterizedTest
  @ValueSource(strings = {"conf/cluster-example.yaml", "conf/cluster-k8s.yaml", "conf/cluster-standalone.yaml"})
  void isSubmittedByTheCommandInItsHeader(String file) throws IOException {
    try (Stream<String> lines = Files.lines(Path.of(file))) {
      assertThat(lines.filter(l -> l.startsWith("#")))
          .anyMatch(l -> l.contains("jobs/submit.sh") && l.contains("--master"))
          .anyMatch(l -> l.contains("--conf-file " + file));
    }
  }
}
