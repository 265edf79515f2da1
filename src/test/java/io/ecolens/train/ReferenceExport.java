package io.ecolens.train;

import io.ecolens.run.RunContext;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes what {@code train} fits on, for a reference fit outside ecolens (jobs/sklearn_reference.py):
 * per category a CSV of content_id, label, the outer fold and the vector, one row per labelled item.
 */
public final class ReferenceExport {
  private ReferenceExport() {}

  /** One {@code <category>.csv} per category under {@code dir}; returns the files written. */
  public static List<Path> write(RunContext ctx, List<String> categories, Path dir) throws IOException {
    Labelled data = TrainStage.labelled(ctx, false);
    if (data.items() == 0) {
      throw new IllegalStateException("no labelled items with vectors in run " + ctx.runId() + " to export");
    }
    Files.createDirectories(dir);
    List<Path> files = new java.util.ArrayList<>();
    for (String category : categories) {
      Labelled.Category labels = data.category(category);
      Path file = dir.resolve(category + ".csv");
      try (BufferedWriter out = Files.newBufferedWriter(file)) {
        int d = data.features()[0].length;
        StringBuilder header = new StringBuilder("content_id,label,fold");
        for (int j = 0; j < d; j++) {
          header.append(",v").append(j);
        }
        out.write(header.append('\n').toString());
        for (int i : labels.rows()) {
          StringBuilder row = new StringBuilder(data.id(i)).append(',').append((int) labels.y()[i]).append(',')
              .append(data.fold(i));
          for (float v : data.features()[i]) {
            row.append(',').append(v);
          }
          out.write(row.append('\n').toString());
        }
      }
      files.add(file);
    }
    return files;
  }
}
