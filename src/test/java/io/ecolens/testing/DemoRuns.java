package io.ecolens.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The config overrides the end-to-end tests and benchmarks share: a generated demo corpus in a folder of their own. */
public final class DemoRuns {
  private DemoRuns() {}

  /**
   * {@code --set} overrides for a demo corpus of {@code rows} generated under {@code dir}/demo, read
   * from there, written to the catalog database {@code database}, with reports under {@code dir}/reports,
   * scored by the {@code rules} judge (conf/local.yaml's in-process judge fits heads in the run first,
   * which the pipeline's plumbing does not need). The list is mutable so that callers add their own overrides.
   */
  public static List<String> demoCorpus(Path dir, int rows, String database) {
    return new ArrayList<>(List.of(
        "score.scorer=rules",
        "generate.rows=" + rows,
        "generate.output=" + dir.resolve("demo"),
        "input.corpus.path=" + dir.resolve("demo/corpus"),
        "input.labels.path=" + dir.resolve("demo/labels"),
        "catalog.database=" + database,
        "report.output=" + dir.resolve("reports")));
  }
}
