package io.ecolens.scorer.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.EcolensException;
import io.ecolens.config.ConfigLoader;
import io.ecolens.config.EcolensConfig;
import io.ecolens.policy.Policy;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.simulator.LlmSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.alias.CredentialProvider;
import org.apache.hadoop.security.alias.CredentialProviderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** API keys from a Hadoop credential provider (a real JCEKS keystore), and Azure OpenAI's request shape. */
class KeysAndAzureTest {
  private static final Policy POLICY = PromptBuilderTest.POLICY;
  private static final String KEY = "sk-keystore-secret-5521";

  @TempDir Path dir;

  private String keystore(String alias, String key) throws Exception {
    String path = "jceks://file" + dir.resolve("llm.jceks").toAbsolutePath();
    Configuration conf = new Configuration();
    conf.set(CredentialProviderFactory.CREDENTIAL_PROVIDER_PATH, path);
    CredentialProvider provider = CredentialProviderFactory.getProviders(conf).get(0);
    provider.createCredentialEntry(alias, key.toCharArray());
    provider.flush();
    return path;
  }

  private static List<Scored> scoreAll(OpenAiSettings s, int n) {
    List<Scored> out = new ArrayList<>();
    new OpenAiScorer(s, POLICY).fanOut(FanOutTest.items(n).iterator(), new TaskShare(4, 0, 0), x -> { })
        .forEachRemaining(out::add);
    return out;
  }

  @Test
  void theKeyIsReadFromAJceksKeystoreByItsAlias() throws Exception {
    String providers = keystore("ecolens.llm.key", KEY);
    assertThat(Files.readAllBytes(dir.resolve("llm.jceks"))).isNotEmpty();
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(1).withApiKey(KEY),
        POLICY)) {
      OpenAiSettings s = FanOutTest.settings(sim.endpoint(), 4, 5, 5_000, "ECOLENS_KEYSTORE_TEST_UNSET")
          .withApiKeyAlias("ecolens.llm.key", providers);
      assertThat(OpenAiClient.apiKey(s)).isEqualTo(KEY);
      OpenAiScorer.preflight(s);
      List<Scored> scored = scoreAll(s, 20);
      assertThat(scored).hasSize(20).allSatisfy(r -> assertThat(r.scores().get(0).error()).isNull());
      assertThat(sim.stats().unauthorized()).isZero();
      assertThat(sim.stats().bearerAuth()).isEqualTo(sim.stats().requests() + 1); // + the /models check

      // an alias the keystore does not hold, and no variable either: refused, and the message names both
      OpenAiSettings missing = s.withApiKeyAlias("ecolens.other.key", providers);
      assertThat(OpenAiClient.apiKey(missing)).isNull();
      assertThatThrownBy(() -> OpenAiScorer.preflight(missing))
          .isInstanceOf(EcolensException.class)
          .hasMessageContaining("HTTP 401")
          .hasMessageContaining("'ecolens.other.key' (score.openai.api-key-alias)")
          .hasMessageContaining("ECOLENS_KEYSTORE_TEST_UNSET")
          .message().doesNotContain(KEY);
    }
  }

  @Test
  void anUnreadableKeystoreStopsWithAMessageNamingTheAlias() {
    OpenAiSettings s = OpenAiSettings.defaults().withApiKeyAlias("ecolens.llm.key",
        "jceks://file" + dir.resolve("missing-dir/not-a-keystore.jceks").toAbsolutePath());
    // a keystore file that is not one
    OpenAiSettings broken = OpenAiSettings.defaults().withApiKeyAlias("ecolens.llm.key",
        "jceks://file" + writeGarbage().toAbsolutePath());
    assertThat(OpenAiClient.apiKey(s)).as("no keystore: the alias is simply not found").isNull();
    assertThatThrownBy(() -> OpenAiClient.apiKey(broken))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'ecolens.llm.key'")
        .hasMessageContaining("score.openai.credential-providers");
  }

  private Path writeGarbage() {
    try {
      return Files.writeString(dir.resolve("garbage.jceks"), "this is not a keystore");
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void azureRequestsUseTheDeploymentUrlTheApiVersionAndTheApiKeyHeader() {
    System.setProperty("ECOLENS_AZURE_TEST_KEY", KEY);
    try (LlmSimulator sim = LlmSimulator.start(LlmSimulator.Settings.defaults().withLatency(1).withApiKey(KEY),
        POLICY)) {
      String deployment = "http://127.0.0.1:" + sim.port() + "/openai/deployments/sim-model";
      OpenAiSettings s = FanOutTest.settings(deployment, 4, 5, 5_000, "ECOLENS_AZURE_TEST_KEY")
          .withApiVersion("2024-10-21");
      assertThat(OpenAiClient.uri(s, "/chat/completions").toString())
          .isEqualTo(deployment + "/chat/completions?api-version=2024-10-21");
      OpenAiScorer.preflight(s);
      List<Scored> scored = scoreAll(s, 30);
      assertThat(scored).hasSize(30).allSatisfy(r -> assertThat(r.scores().get(0).error()).isNull());
      LlmSimulator.Stats st = sim.stats();
      assertThat(st.requests()).isEqualTo(6);
      assertThat(st.apiKeyHeaderAuth()).isEqualTo(st.requests() + 1);
      assertThat(st.withApiVersion()).isEqualTo(st.requests() + 1);
      assertThat(st.bearerAuth()).isZero();
      assertThat(st.unauthorized()).isZero();
    } finally {
      System.clearProperty("ECOLENS_AZURE_TEST_KEY");
    }
  }

  @Test
  void theNewKeysLoadFromConfigAndOnlyNamesAreStored() throws Exception {
    EcolensConfig c = ConfigLoader.load(Path.of("conf/azure-example.yaml"), List.of());
    OpenAiSettings o = c.score().openai();
    assertThat(o.azure()).isTrue();
    assertThat(o.apiVersion()).isEqualTo("2024-10-21");
    assertThat(o.apiKeyAlias()).isEqualTo("ecolens.azure-openai.key");
    assertThat(o.credentialProviders()).isEqualTo("jceks://file/etc/ecolens/llm.jceks");
    assertThat(ConfigLoader.redacted(c).path("score").path("openai").path("api-key-alias").asText())
        .isEqualTo("ecolens.azure-openai.key");
    EcolensConfig plain = ConfigLoader.load(null, List.of("score.scorer=openai"));
    assertThat(plain.score().openai().azure()).isFalse();
    assertThat(plain.score().openai().apiKeyAlias()).isNull();
  }
}
