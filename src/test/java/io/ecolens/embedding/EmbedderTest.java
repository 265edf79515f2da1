package io.ecolens.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.ecolens.config.EmbeddingModel;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EmbedderTest {
  private static final String COOKING = "whisk the eggs with sugar, fold in the flour and butter, bake the sponge "
      + "cake in the oven for thirty minutes, then let it cool before you spread the lemon frosting on top";
  private static final String FOOTBALL = "the striker scored twice in the second half, the goalkeeper saved a "
      + "penalty and the team won the league title after the final whistle of the derby match";

  @ParameterizedTest
  @EnumSource(EmbeddingModel.class)
  void everyModelLoadsFromItsJarAndPlacesRelatedTextsCloser(EmbeddingModel model) {
    Embedder embedder = Embedder.shared(model, 256, 1);
    float[][] v = embedder.embed(List.of(COOKING, "a recipe for baking a lemon cake", FOOTBALL)).vectors();
    for (float[] x : v) {
      assertThat(x).hasSize(EmbeddingModel.DIMENSIONS);
      assertThat(Embedder.cosine(x, x)).isCloseTo(1.0, within(1e-5));
    }
    assertThat(Embedder.cosine(v[0], v[1])).isGreaterThan(Embedder.cosine(v[2], v[1]));
  }

  @Test
  void aShortTextHasOneVectorWhateverTheWindowAndBatch() {
    float[] alone = Embedder.shared(EmbeddingModel.MINILM, 256, 1).embed(List.of(COOKING)).vectors()[0];
    float[] wide = Embedder.shared(EmbeddingModel.MINILM, 512, 1).embed(List.of(FOOTBALL, COOKING)).vectors()[1];
    assertThat(wide).containsExactly(alone);
  }

  @Test
  void aLongTextIsPooledOverItsWindowsSoItsEndCounts() {
    Embedder narrow = Embedder.shared(EmbeddingModel.MINILM, 32, 1);
    Embedder.Batch b = narrow.embed(List.of(COOKING + " " + FOOTBALL, COOKING, FOOTBALL));
    float[] both = b.vectors()[0];
    assertThat(b.truncated()).containsExactly(false, false, false);
    float[] football = Embedder.shared(EmbeddingModel.MINILM, 256, 1).embed(List.of(FOOTBALL)).vectors()[0];
    // Cut at 32 tokens the text would be about cake alone; pooled, its second half is in the vector.
    assertThat(Embedder.cosine(both, football)).isGreaterThan(Embedder.cosine(b.vectors()[1], football) + 0.1);
    assertThat(Embedder.cosine(both, b.vectors()[1])).isGreaterThan(0.5);
    assertThat(Embedder.cosine(both, b.vectors()[2])).isGreaterThan(0.5);
  }

  @Test
  void aTextPastTheLastWindowIsCutAndSaysSo() {
    Embedder narrow = Embedder.shared(EmbeddingModel.MINILM, 16, 1);
    String longText = String.join(" ", Collections.nCopies(Embedder.MAX_WINDOWS * 2, COOKING));
    Embedder.Batch b = narrow.embed(List.of(longText, COOKING));
    assertThat(b.truncated()).containsExactly(true, false);
    assertThat(Embedder.cosine(b.vectors()[0], b.vectors()[0])).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void theModelIdNamesModelWindowAndPooling() {
    assertThat(Embedder.modelId(EmbeddingModel.E5_SMALL, 128)).isEqualTo("e5-small-v2-q:max-tokens=128:windows=16");
    assertThat(EmbeddingModel.of("BGE-small-en-v1.5-q")).isEqualTo(EmbeddingModel.BGE_SMALL);
  }
}
