package io.ecolens.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import io.ecolens.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunIdTest {
  @ParameterizedTest
  @ValueSource(strings = {"r1", "daily-20261124", "exp.baseline", "A_b.c-9"})
  void acceptsNamesTablesAndFoldersCanHold(String value) {
    assertThat(RunId.of(value).value()).isEqualTo(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a:b", "../etc", "-r1", ".hidden", "run id", "r'1", ""})
  void refusesTheRestWithTheConfigExitCode(String value) {
    assertThatThrownBy(() -> RunId.of(value))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'" + value + "' may only hold letters, digits and _ . -")
        .extracting(e -> ((EcolensException) e).exitCode()).isEqualTo(Errors.EXIT_CONFIG);
  }

  @Test
  void refusesMoreThanAHundredCharacters() {
    assertThatThrownBy(() -> RunId.of("r".repeat(101))).isInstanceOf(EcolensException.class);
    assertThat(RunId.of("r".repeat(100)).value()).hasSize(100);
  }

  @Test
  void generatedIdsAndVariantsAreValid() {
    RunId id = RunId.generated();
    assertThat(id.value()).matches("\\d{8}-\\d{6}-[0-9a-f]{4}");
    assertThat(id.variant("rules").value()).isEqualTo(id.value() + ".rules");
  }
}
