package io.ecolens.generate;

import io.ecolens.run.RunContext;
import io.ecolens.run.Stage;
import io.ecolens.run.StageResult;
import java.util.Map;

/**
 * generate: writes the synthetic demo corpus, human labels and ground truth as JSON lines
 * ({@link CorpusGenerator}). It writes files, not tables of the run, so the run ledger does not record it.
 */
public final class GenerateStage implements Stage<GenerateStage.Result> {
  /** What was written. */
  public record Result(CorpusGenerator.Result files) implements StageResult {
    @Override
    public Map<String, Long> counts() {
      return Map.of("generated", files.rows());
    }

    @Override
    public String summary() {
      return String.format("%,d demo lines (%,d malformed) into %s; %,d human label rows into %s", files.rows(),
          files.malformedRows(), files.corpusPath(), files.labelRows(), files.labelsPath());
    }
  }

  @Override
  public String name() {
    return "generate";
  }

  @Override
  public boolean recorded() {
    return false;
  }

  @Override
  public Result execute(RunContext ctx) {
    return new Result(CorpusGenerator.execute(ctx.spark(), ctx.config().generate(), ctx.policy()));
  }
}
