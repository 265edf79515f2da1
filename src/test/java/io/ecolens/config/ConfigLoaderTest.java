package io.ecolens.config;



import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ecolens.EcolensException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path file = dir.resolve("test.yaml");
    Files.writeString(file, text);
    return file;
  }

  @Test
  void shippedLocalConfigLoads() {
    EcolensConfig c = ConfigLoader.load(Path.of("conf/local.yaml"), List.of());
    assertThat(c.catalog().database()).isEqualTo("ecolens");
    assertThat(c.sample().strata()).containsExactly("format", "region");
    assertThat(c.input().labels().layout()).isEqualTo(LabelLayout.LONG);
    // the demo's judge: the in-process model, its heads fitted in the run before scoring
    assertThat(c.score().scorer()).isEqualTo(ScorerType.EMBEDDED);
    assertThat(c.score().trainsBeforeScoring()).isTrue();
    assertThat(ConfigLoader.load(Path.of("conf/local.yaml"), List.of("score.scorer=rules")).score()
        .trainsBeforeScoring()).as("rules uses no heads").isFalse();
    assertThat(ConfigLoader.load(Path.of("conf/local.yaml"), List.of("score.embedded.mode=zero-shot")).score()
        .trainsBeforeScoring()).as("zero-shot reads no heads").isFalse();
  }

  @Test
  void missingSectionsTakeDefaults() throws IOException {
    EcolensConfig c = ConfigLoader.load(yaml("sample:\n  size: 10\n"), List.of());
    assertThat(c.sample().size()).isEqualTo(10);
    assertThat(c.score().scorer()).isEqualTo(ScorerType.RULES);
    assertThat(c.generate().annotatorErrorRates()).hasSize(3);
    assertThat(c.score().failureBound().maxShare()).isEqualTo(0.5);
    assertThat(c.score().failureBound().minItems()).isEqualTo(10);
  }

  @Test
  void theFailureBoundIsAShareAboveZeroOfAtLeastOneItem() throws IOException {
    EcolensConfig c = ConfigLoader.load(yaml("score:\n  failure-bound:\n    max-share: 0.9\n    min-items: 50\n"),
        List.of());
    assertThat(c.score().failureBound().maxShare()).isEqualTo(0.9);
    assertThat(c.score().failureBound().minItems()).isEqualTo(50);
    assertThatThrownBy(() -> ConfigLoader.load(yaml("score:\n  failure-bound:\n    max-share: 0\n"), List.of()))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'score.failure-bound.max-share'")
        .hasMessageContaining("must be above 0 and at most 1");
    assertThatThrownBy(() -> ConfigLoader.load(yaml("score:\n  failure-bound:\n    min-items: 0\n"), List.of()))
        .hasMessageContaining("'score.failure-bound.min-items'")
        .hasMessageContaining("must be at least 1");
  }

  @Test
  void unknownKeyNamesKeyFileAndAlternatives() throws IOException {
    Path file = yaml("sample:\n  sise: 10\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("at 'sample.sise'")
        .hasMessageContaining("unknown key 'sise'")
        .hasMessageContaining("size");
  }

  @Test
  void wrongTypeNamesKeyAndExpectation() throws IOException {
    Path file = yaml("sample:\n  size: lots\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("'sample.size'")
        .hasMessageContaining("a whole number");
  }

  @Test
  void outOfRangeValueIsRejected() throws IOException {
    Path file = yaml("generate:\n  malformed-share: 1.5\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .hasMessageContaining("'generate.malformed-share'")
        .hasMessageContaining("must be between 0 and 1, cannot be: 1.5");
  }

  @Test
  void unknownScorerListsTheKnownOnes() throws IOException {
    Path file = yaml("score:\n  scorer: magic\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .hasMessageContaining("'score.scorer'")
        .hasMessageContaining("'magic' is not one of rules");
  }

  @Test
  void everyClosedSetNamesTheKeyAndItsValues() {
    Map<String, String> expected = Map.of(
        "input.corpus.format", "json, csv, parquet, delta",
        "sample.allocation", "proportional, equal, neyman, fixed",
        "sample.weighting", "items, views",
        "score.scorer", "rules, embedded, cascade, openai",
        "score.embedded.mode", "auto, zero-shot, calibrated, trained",
        "score.embedded.model", "all-minilm-l6-v2-q, bge-small-en-v1.5-q, e5-small-v2-q",
        "score.embedded.train.class-weight", "balanced, none",
        "score.openai.response-format", "json_schema, json_object, none",
        "evaluate.adjudication", "majority, unanimity, dawid-skene");
    expected.forEach((key, values) -> assertThatThrownBy(() -> ConfigLoader.load(null, List.of(key + "=magic")))
        .hasMessageContaining("'" + key + "'")
        .hasMessageContaining("'magic' is not one of " + values));
  }

  @Test
  void cascadeFitSettingsNameTheKeyAndTheFix() {
    Map<String, String> expected = Map.of(
        "score.cascade.tolerance=1.5", "cannot be: 1.5",
        "score.cascade.pilot-items=10", "must be at least 20",
        "score.cascade.target-share=0.2", "cannot be set with score.cascade.tolerance");
    expected.forEach((set, message) -> assertThatThrownBy(() -> ConfigLoader.load(null,
            List.of("score.cascade.tolerance=0.01", set)))
        .hasMessageContaining("'" + set.substring(0, set.indexOf('=')) + "'")
        .hasMessageContaining(message));
    EcolensConfig.CascadeSettings fitted = ConfigLoader.load(null, List.of("score.cascade.tolerance=0.01")).score()
        .cascade();
    assertThat(fitted.tolerance()).isEqualTo(0.01);
    assertThat(fitted.pilotItems()).isEqualTo(500);
    assertThat(ConfigLoader.load(null, List.of()).score().cascade().tolerance()).isNull();
  }

  @Test
  void trainSettingsNameTheKeyAndTheFix() {
    Map<String, String> expected = Map.of(
        "score.embedded.train.inner-folds=1", "must be at least 2, cannot be: 1",
        "score.embedded.train.regularization-grid=[]", "must be one or more numbers above 0",
        "score.embedded.train.regularization=0", "must be one or more numbers above 0");
    expected.forEach((set, message) -> assertThatThrownBy(() -> ConfigLoader.load(null, List.of(set)))
        .hasMessageContaining("'" + set.substring(0, set.indexOf('=')) + "'")
        .hasMessageContaining(message));
    EcolensConfig.TrainSettings defaults = ConfigLoader.load(null, List.of()).score().embedded().train();
    assertThat(defaults.regularizations()).isEqualTo(EcolensConfig.TrainSettings.DEFAULT_GRID);
    assertThat(defaults.balanced()).isTrue();
    assertThat(ConfigLoader.load(null, List.of("score.embedded.train.regularization=0.05")).score().embedded().train()
        .regularizations()).containsExactly(0.05);
  }

  @Test
  void closedSetValuesAreReadInAnyCase() {
    EcolensConfig c = ConfigLoader.load(null, List.of("sample.allocation=Neyman", "evaluate.adjudication=DAWID-SKENE"));
    assertThat(c.sample().allocation()).isEqualTo(Allocation.NEYMAN);
    assertThat(c.evaluate().adjudication()).isEqualTo(AdjudicationMethod.DAWID_SKENE);
  }

  @Test
  void setOverridesAnyKeyWithTypedValues() throws IOException {
    EcolensConfig c = ConfigLoader.load(yaml("sample:\n  size: 10\n"),
        List.of("sample.size=500", "sample.strata=[language]", "spark.conf.spark.foo=bar", "generate.enabled=true"));
    assertThat(c.sample().size()).isEqualTo(500);
    assertThat(c.sample().strata()).containsExactly("language");
    assertThat(c.generate().enabled()).isTrue();
  }

  @Test
  void setWithUnknownKeyIsNamed() throws IOException {
    Path file = yaml("");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of("sample.sise=3")))
        .hasMessageContaining("with --set overrides")
        .hasMessageContaining("unknown key 'sise'");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of("sample")))
        .hasMessageContaining("--set expects key=value");
  }

  @Test
  void missingFileSaysSo() {
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), List.of()))
        .isInstanceOf(EcolensException.class)
        .hasMessageContaining("nope.yaml")
        .hasMessageContaining("no such file");
  }

  @Test
  void wideLabelsNeedCategoryColumns() throws IOException {
    Path file = yaml("input:\n  labels:\n    path: x\n    layout: wide\n");
    assertThatThrownBy(() -> ConfigLoader.load(file, List.of()))
        .hasMessageContaining("'input.labels.category-columns'");
  }

  @Test
  void redactedConfigMasksSecretValuesButKeepsEnvNames() throws IOException {
    EcolensConfig c = ConfigLoader.load(yaml(""),
        List.of("spark.conf.spark.hadoop.fs.s3a.secret.key=hunter2", "spark.conf.api-key-env=OPENAI_API_KEY"));
    String json = ConfigLoader.redacted(c).toString();
    assertThat(json).doesNotContain("hunter2").contains("OPENAI_API_KEY");
  }
}
