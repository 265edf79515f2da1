package io.ecolens.scorer.cascade;

import io.ecolens.scorer.CategoryScore;
import io.ecolens.scorer.Scored;
import io.ecolens.scorer.ScoringItem;
import io.ecolens.scorer.ScoringTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.LongConsumer;

/**
 * One task of a cascade whose second step is the LLM. The task's items are read in batches and
 * scored by the first scorer; items it is sure of are handed out at once, the others are fed to
 * the second scorer's partition scoring (the {@code openai} fan-out) as it opens request slots, so
 * the LLM step keeps many requests in flight within the task's share of the global limits. One
 * thread drives both.
 *
 * <p>An escalated item the LLM scored is decided by it; one the LLM could not score becomes error
 * rows with the LLM's reason and the first scorer's verdict in the rationale. Items the first
 * scorer is sure of wait in memory only until the next uncertain item is found, at most the task's
 * part of one commit chunk.
 */
final class CascadeFanOut implements Iterator<Scored> {
  private final CascadeScorer cascade;
  private final Iterator<ScoringItem> items;
  private final int batchSize;
  private final LongConsumer itemsDone;
  private final ArrayDeque<Scored> ready = new ArrayDeque<>();
  private final ArrayDeque<ScoringItem> escalated = new ArrayDeque<>();
  /** First-scorer verdicts and band of the items sent to the LLM, until its answer comes. */
  private final Map<String, Pending> pending = new HashMap<>();
  private final Iterator<Scored> llm;

  private record Pending(List<CategoryScore> cheap, double band) {}

  CascadeFanOut(CascadeScorer cascade, Iterator<ScoringItem> items, ScoringTask task, LongConsumer itemsDone) {
    this.cascade = cascade;
    this.items = items;
    this.batchSize = task.batchSize();
    this.itemsDone = itemsDone;
    this.llm = cascade.escalate(new Escalated(), task, itemsDone);
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && llm.hasNext()) {
      decide(llm.next());
    }
    // the fan-out pulls every batch through escalated(); items the first scorer was sure of are here
    return !ready.isEmpty();
  }

  @Override
  public Scored next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  /** Scores the next batch with the first scorer: sure items are ready, the rest queue for the LLM. */
  private void nextBatch() {
    List<ScoringItem> batch = new ArrayList<>(batchSize);
    while (batch.size() < batchSize && items.hasNext()) {
      batch.add(items.next());
    }
    CascadeScorer.Split split = cascade.split(batch);
    String sure = cascade.surePrefix();
    for (ScoringItem item : batch) {
      String id = item.getContentId();
      List<CategoryScore> cheap = split.cheap().getOrDefault(id, List.of());
      if (split.uncertainIds().contains(id)) {
        pending.put(id, new Pending(cheap, split.band()));
        escalated.add(item);
      } else {
        List<CategoryScore> rows = new ArrayList<>(cheap.size());
        cheap.forEach(s -> rows.add(s.decidedBy(cascade.firstType(), sure)));
        ready.add(new Scored(item, rows));
        itemsDone.accept(1);
      }
    }
  }

  private void decide(Scored answer) {
    Pending p = pending.remove(answer.item().getContentId());
    double band = p == null ? Double.NaN : p.band();
    String prefix = cascade.unsurePrefix(band);
    String secondType = cascade.secondType();
    List<CategoryScore> rows = new ArrayList<>(answer.scores().size());
    if (answer.scores().stream().allMatch(s -> s.error() == null)) {
      answer.scores().forEach(s -> rows.add(s.decidedBy(secondType, prefix)));
    } else {
      String kept = p == null ? "" : cheapVerdicts(p.cheap());
      for (CategoryScore s : answer.scores()) {
        String error = s.error() == null ? "the LLM answered for some categories only" : s.error();
        rows.add(new CategoryScore(s.contentId(), s.category(), null, null,
            prefix + secondType + " failed; " + cascade.firstType() + " had " + kept, error, s.inputTokens(),
            s.outputTokens(), s.latencyMs(), s.costUsd(), s.attempts(), secondType));
      }
    }
    ready.add(new Scored(answer.item(), rows));
  }

  private static String cheapVerdicts(List<CategoryScore> cheap) {
    if (cheap.isEmpty()) {
      return "no verdict";
    }
    StringBuilder sb = new StringBuilder();
    for (CategoryScore s : cheap) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(s.category()).append('=').append(s.score() == null ? "error" : String.format(java.util.Locale.ROOT,
          "%.3f", s.score()));
    }
    return sb.toString();
  }

  /** The items the LLM is to score, produced by running the first scorer batch by batch on demand. */
  private final class Escalated implements Iterator<ScoringItem> {
    @Override
    public boolean hasNext() {
      while (escalated.isEmpty() && items.hasNext()) {
        nextBatch();
      }
      return !escalated.isEmpty();
    }

    @Override
    public ScoringItem next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return escalated.poll();
    }
  }
}
