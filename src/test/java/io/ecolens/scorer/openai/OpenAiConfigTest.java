package io.ecolens.scorer.openai;

import io.ecolens.config.ScorerType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.EcolensException;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenAiConfigTest {
  @Test
  void theExampleLoadsAndTheDefaultsKeepOlderConfigsWorking() {
    EcolensConfig llm = ConfigLoader.load(Path.of("conf/llm-example.yaml"), List.of());
    assertThat(llm.score().scorer()).isEqualTo(ScorerType.OPENAI);
    assertThat(llm.score().maxCost()).isEqualTo(5.0);
    assertThat(llm.score().openai().maxConcurrency()).isEqualTo(64);
    assertThat(llm.score().openai().endpoint()).isEqualTo("http://127.0.0.1:8000/v1");

    EcolensConfig local = ConfigLoader.load(Path.of("conf/local.yaml"), List.of());
    assertThat(local.score().maxCost()).isZero();
    assertThat(local.score().openai()).isEqualTo(OpenAiSettings.defaults());
  }

  @Test
  void onlyPlainHttpEndpointsGetAClientThatRunsItsStepsInPlace() {
    OpenAiSettings local = OpenAiSettings.defaults().withEndpoint("http://127.0.0.1:8000/v1", 16);
    OpenAiSettings remote = OpenAiSettings.defaults().withEndpoint("https://api.openai.com/v1", 16);
    assertThat(new OpenAiClient(local).runsStepsInPlace()).isTrue();
    // TLS handshakes must not run on the client's one selector thread
    assertThat(new OpenAiClient(remote).runsStepsInPlace()).isFalse();
  }

  @Test
  void badValuesNameTheKeyAndTheFile() {
    assertThatThrownBy(() -> ConfigLoader.load(Path.of("conf/llm-example.yaml"),
        List.of("score.openai.max-concurrency=0")))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("conf/llm-example.yaml")
        .hasMessageContaining("'score.openai.max-concurrency'")
        .hasMessageContaining("must be at least 1");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.openai.endpoint=localhost:8000")))
        .hasMessageContaining("'score.openai.endpoint'").hasMessageContaining("not an http(s) URL");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.max-cost=-1")))
        .hasMessageContaining("'score.max-cost'");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.openai.response-format=xml")))
        .hasMessageContaining("'score.openai.response-format'").hasMessageContaining("json_schema");
  }

  @Test
  void batchModeSettingsAreCheckedByName() {
    EcolensConfig batch = ConfigLoader.load(null, List.of("score.scorer=openai", "score.openai.mode=batch"));
    assertThat(batch.score().openai().batchMode()).isTrue();
    assertThat(batch.score().openai().batchCost(1_000_000, 0)).isEqualTo(0.0);
    assertThat(ConfigLoader.load(null, List.of()).score().openai().batchMode()).as("online by default").isFalse();
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.openai.mode=offline")))
        .hasMessageContaining("'score.openai.mode'").hasMessageContaining("batch");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.scorer=rules", "score.openai.mode=batch")))
        .hasMessageContaining("'score.openai.mode'").hasMessageContaining("score.scorer openai");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.scorer=openai", "score.openai.batch-price-factor=0")))
        .hasMessageContaining("'score.openai.batch-price-factor'");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.openai.batch-fallback=later")))
        .hasMessageContaining("'score.openai.batch-fallback'").hasMessageContaining("none or online");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.openai.batch-max-requests=0")))
        .hasMessageContaining("'score.openai.batch-max-requests'");
    assertThatThrownBy(() -> ConfigLoader.load(null, List.of("score.scorer=openai", "score.openai.mode=batch",
        "score.max-cost=5"))).hasMessageContaining("'score.max-cost'").hasMessageContaining("batch");
  }

  @Test
  void theStoredConfigKeepsTheKeysVariableNameOnly() {
    EcolensConfig c = ConfigLoader.load(null, List.of("score.scorer=openai", "score.openai.api-key-env=MY_LLM_KEY"));
    assertThat(ConfigLoader.redacted(c).path("score").path("openai").path("api-key-env").asText())
        .isEqualTo("MY_LLM_KEY");
  }
}
