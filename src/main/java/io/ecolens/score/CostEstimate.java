package io.ecolens.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import io.ecolens.config.OpenAiSettings;
import io.ecolens.scorer.openai.PromptBuilder;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** The requests, tokens and cost of sending items to the LLM, from the length of their text, before sending. */
final class CostEstimate {
  /** JSON keys and punctuation around an item's text fields, in characters. */
  private static final int ITEM_JSON_OVERHEAD_CHARS = 60;

  private CostEstimate() {}

  /** The estimate for sending exactly {@code toScore} (score stage input columns) with {@code spec}. */
  static ScoreStage.Estimate of(ScorerSpec spec, Dataset<Row> toScore) {
    Row agg = toScore.agg(count(lit(1)), sum(length(coalesce(col("title"), lit("")))
        .plus(length(coalesce(col("description"), lit(""))))
        .plus(length(coalesce(col("transcript"), lit(""))))
        .plus(length(coalesce(concat_ws("\", \"", col("hashtags")), lit(""))))
        .plus(lit(ITEM_JSON_OVERHEAD_CHARS)))).first();
    long n = agg.getLong(0);
    long itemChars = agg.isNullAt(1) ? 0 : agg.getLong(1);
    OpenAiSettings settings = spec.openai();
    PromptBuilder prompt = new PromptBuilder(spec.policy());
    long requests = (n + settings.itemsPerRequest() - 1) / settings.itemsPerRequest();
    long perRequest = PromptBuilder.estimateTokens(prompt.systemPrompt())
        + PromptBuilder.estimateTokens(prompt.userMessage(List.of())) + 8;
    long input = requests * perRequest + (itemChars + 3) / 4;
    long output = n * spec.policy().categories().size() * PromptBuilder.OUTPUT_TOKENS_PER_CATEGORY + requests * 10;
    return new ScoreStage.Estimate(n, 0, 0, n, requests, input, output, settings.cost(input, output));
  }
}
