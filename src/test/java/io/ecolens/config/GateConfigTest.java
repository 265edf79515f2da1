package io.ecolens.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.tables.FigureKey;
import io.ecolens.EcolensException;
import io.ecolens.policy.PolicyLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gates and comparison sections are read in kebab-case and checked when the config loads. */
class GateConfigTest {
  @TempDir Path dir;

  private EcolensConfig load(String yaml) throws IOException {
    Path file = dir.resolve("gates.yaml");
    Files.writeString(file, yaml);
    return ConfigLoader.load(file, List.of());
  }

  private void assertConfigError(String yaml, String... fragments) {
    assertThatThrownBy(() -> load(yaml))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("Invalid configuration in " + dir.resolve("gates.yaml"))
        .satisfies(e -> {
          for (String f : fragments) {
            assertThat(e.getMessage()).contains(f);
          }
          assertThat(((EcolensException) e).exitCode()).isEqualTo(2);
        });
  }

  @Test
  void gatesBindWithDefaultsForReportCategoryAndSlice() throws IOException {
    EcolensConfig c = load("""
        comparison:
          baseline-run: daily-20261124
          alpha: 0.01
        gates:
          - metric: f1
            category: hate_speech
            max-drop: 0.03
          - metric: prevalence
            category: spam_scam
            max-rise-relative: 0.5
            only-if-significant: true
          - metric: entropy
            report: diversity
            slice-key: format
            slice-value: video
            max-drop-relative: 0.2
          - metric: f1_loss
            max-rise: 0.01
        """);
    assertThat(c.comparison().baselineRun()).isEqualTo("daily-20261124");
    assertThat(c.comparison().alpha()).isEqualTo(0.01);
    assertThat(c.gates()).hasSize(4);
    assertThat(c.gates().get(3).key()).isEqualTo(new FigureKey("cascade_fit", "f1_loss", "", "all", "all"));
    assertThat(c.gates().get(0).key()).isEqualTo(new FigureKey("agreement", "f1", "hate_speech", "all", "all"));
    assertThat(c.gates().get(1).report()).isEqualTo("prevalence");
    assertThat(c.gates().get(1).onlyIfSignificant()).isTrue();
    assertThat(c.gates().get(2).key()).isEqualTo(new FigureKey("diversity", "entropy", "", "format", "video"));
    assertThat(c.gates().get(0).describe()).isEqualTo("f1 [hate_speech] max-drop 0.03");
  }

  @Test
  void shippedLocalConfigHasGatesThatMatchThePolicy() {
    EcolensConfig c = ConfigLoader.load(Path.of("conf/local.yaml"), List.of());
    assertThat(c.gates()).isNotEmpty();
    GateConfig.validateCategories("conf/local.yaml", c.gates(), PolicyLoader.load(Path.of(c.score().policy())));
  }

  @Test
  void unknownMetricIsNamedWithTheKnownOnes() {
    assertConfigError("gates:\n  - metric: f2\n    max-drop: 0.1\n",
        "'gates[0].metric'", "unknown metric 'f2'", "known: ", "f1", "prevalence", "give 'report:'");
  }

  @Test
  void badNumbersAreRejected() {
    assertConfigError("gates:\n  - metric: f1\n    max-drop: -0.03\n",
        "'gates[0].max-drop'", "must be a number at least 0", "cannot be: -0.03");
    assertConfigError("gates:\n  - metric: f1\n    max-drop: three\n", "'gates[0].max-drop'", "cannot read 'three' as a number");
    assertConfigError("gates:\n  - metric: prevalence\n    max-rise-relative: -0.5\n",
        "'gates[0].max-rise-relative'", "0.5 = 50%");
    assertConfigError("comparison:\n  alpha: 1.5\n", "'comparison.alpha'", "between 0 and 1");
  }

  @Test
  void aGateNeedsALimitAndKnownKeys() {
    assertConfigError("gates:\n  - metric: f1\n    category: hate_speech\n", "'gates[0]'", "has no limit");
    assertConfigError("gates:\n  - metric: f1\n    max_drop: 0.03\n", "unknown key 'max_drop'", "max-drop");
    assertConfigError("gates:\n  - metric: f1\n    slice-key: format\n    max-drop: 0.1\n",
        "'gates[0].slice-key'", "both slice-key and slice-value");
    assertConfigError("gates:\n  -\n", "'gates[0]'", "is empty");
  }

  @Test
  void gateCategoryMustBeAPolicyCategory() throws IOException {
    EcolensConfig c = load("gates:\n  - metric: f1\n    category: hate_speach\n    max-drop: 0.03\n");
    assertThatThrownBy(() -> GateConfig.validateCategories("gates.yaml", c.gates(),
            PolicyLoader.load(Path.of("conf/policies/default.yaml"))))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'gates[0].category'")
        .hasMessageContaining("'hate_speach' is not a category of policy")
        .hasMessageContaining("hate_speech");
  }

  @Test
  void onNoDataIsFailByDefaultOrPassAndNothingElse() throws IOException {
    EcolensConfig c = load("gates:\n  - metric: f1\n    max-drop: 0.03\n  - metric: f1\n    max-drop: 0.03\n"
        + "    on-no-data: pass\n");
    assertThat(c.gates().get(0).onNoData()).isEqualTo("fail");
    assertThat(c.gates().get(0).failsWithoutData()).isTrue();
    assertThat(c.gates().get(1).failsWithoutData()).isFalse();
    assertConfigError("gates:\n  - metric: f1\n    max-drop: 0.03\n    on-no-data: ignore\n",
        "'gates[0].on-no-data'", "'ignore' is not one of fail, pass");
  }
}
