package io.ecolens.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The optional per-category {@code embedded:} calibration of a policy file. */
class PolicyEmbeddedCalibrationTest {
  private static Policy parse(String embedded) throws Exception {
    String yaml = "id: p\nversion: '1'\ncategories:\n  - id: spam\n    severity: low\n    threshold: 0.6\n"
        + "    definition: Unwanted ads.\n" + embedded;
    return PolicyLoader.parse("p.yaml", new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void policiesWithoutItKeepTheirMeaningAndGetTheDefaults() throws Exception {
    Policy.Category spam = parse("").categories().get(0);
    assertThat(spam.embedded()).isEqualTo(new Policy.Embedded(null, 0.35, 12.0));
    assertThat(spam.threshold()).isEqualTo(0.6);
    assertThat(PolicyLoader.load(Path.of("conf/policies/default.yaml")).categories()).isNotEmpty();
    assertThat(PolicyLoader.load(Path.of("conf/policies/davidson.yaml")).categories()).hasSize(2);
  }

  @Test
  void itIsReadAndChecked() throws Exception {
    assertThat(parse("    embedded: {threshold: 0.4, center: 0.3, scale: 8}\n").categories().get(0).embedded())
        .isEqualTo(new Policy.Embedded(0.4, 0.3, 8.0));
    assertThatThrownBy(() -> parse("    embedded: {threshold: 1.4}\n"))
        .hasMessage("Invalid policy file p.yaml at 'categories[0].embedded.threshold': must be between 0 and 1, cannot be: 1.4");
    assertThatThrownBy(() -> parse("    embedded: {temperature: 2}\n"))
        .hasMessageContaining("unknown key 'temperature'");
  }
}
