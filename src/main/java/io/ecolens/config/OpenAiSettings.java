package io.ecolens.config;

import java.io.Serializable;

/**
 * The {@code score.openai} config section: where the endpoint is, how hard ecolens may push it and
 * what it costs. The API key itself never appears here, only where to find it: the name of the
 * environment variable that holds it, or the alias of a Hadoop credential provider entry
 * ({@code api-key-alias}, looked up first, with {@code credential-providers} as the provider path
 * when the cluster's {@code hadoop.security.credential.provider.path} is not the one to use).
 * {@code api-version} switches to Azure OpenAI's request shape. The limits are global: for the whole job, however many tasks run at once (see
 * {@link TaskShare}).
 */
public record OpenAiSettings(
    String endpoint,
    String model,
    String apiKeyEnv,
    Integer timeoutMs,
    Integer maxAttempts,
    Integer maxConcurrency,
    Integer requestsPerMinute,
    Integer tokensPerMinute,
    Integer itemsPerRequest,
    Double inputPricePerMillion,
    Double outputPricePerMillion,
    Double temperature,
    Integer maxOutputTokens,
    ResponseFormat responseFormat,
    Integer commitEvery,
    Integer partitions,
    String apiKeyAlias,
    String credentialProviders,
    String apiVersion,
    ScoringMode mode,
    Double batchPriceFactor,
    String batchFallback,
    Integer batchPollSeconds,
    Integer batchMaxRequests,
    Integer batchMaxFileMb) implements Serializable {

  @com.fasterxml.jackson.annotation.JsonCreator
  public OpenAiSettings {
    endpoint = endpoint == null ? "http://127.0.0.1:8000/v1" : stripSlash(endpoint);
    model = model == null ? "gpt-4o-mini" : model;
    apiKeyEnv = apiKeyEnv == null ? "OPENAI_API_KEY" : apiKeyEnv;
    timeoutMs = timeoutMs == null ? 60_000 : timeoutMs;
    maxAttempts = maxAttempts == null ? 6 : maxAttempts;
    maxConcurrency = maxConcurrency == null ? 16 : maxConcurrency;
    requestsPerMinute = requestsPerMinute == null ? 0 : requestsPerMinute;
    tokensPerMinute = tokensPerMinute == null ? 0 : tokensPerMinute;
    itemsPerRequest = itemsPerRequest == null ? 10 : itemsPerRequest;
    inputPricePerMillion = inputPricePerMillion == null ? 0.0 : inputPricePerMillion;
    outputPricePerMillion = outputPricePerMillion == null ? 0.0 : outputPricePerMillion;
    temperature = temperature == null ? 0.0 : temperature;
    maxOutputTokens = maxOutputTokens == null ? 4096 : maxOutputTokens;
    responseFormat = responseFormat == null ? ResponseFormat.JSON_SCHEMA : responseFormat;
    commitEvery = commitEvery == null ? 2_000 : commitEvery;
    partitions = partitions == null ? 0 : partitions;
    apiKeyAlias = blankToNull(apiKeyAlias);
    credentialProviders = blankToNull(credentialProviders);
    apiVersion = blankToNull(apiVersion);
    mode = mode == null ? ScoringMode.ONLINE : mode;
    batchPriceFactor = batchPriceFactor == null ? 0.5 : batchPriceFactor;
    batchFallback = batchFallback == null ? "none" : batchFallback.strip();
    batchPollSeconds = batchPollSeconds == null ? 30 : batchPollSeconds;
    batchMaxRequests = batchMaxRequests == null ? 50_000 : batchMaxRequests;
    batchMaxFileMb = batchMaxFileMb == null ? 200 : batchMaxFileMb;
  }

  /** Settings talking the online mode, as before the batch settings existed. */
  public OpenAiSettings(String endpoint, String model, String apiKeyEnv, Integer timeoutMs, Integer maxAttempts,
      Integer maxConcurrency, Integer requestsPerMinute, Integer tokensPerMinute, Integer itemsPerRequest,
      Double inputPricePerMillion, Double outputPricePerMillion, Double temperature, Integer maxOutputTokens,
      ResponseFormat responseFormat, Integer commitEvery, Integer partitions, String apiKeyAlias,
      String credentialProviders, String apiVersion) {
    this(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency, requestsPerMinute, tokensPerMinute,
        itemsPerRequest, inputPricePerMillion, outputPricePerMillion, temperature, maxOutputTokens, responseFormat,
        commitEvery, partitions, apiKeyAlias, credentialProviders, apiVersion, null, null, null, null, null, null);
  }

  /** Settings without a credential-provider alias, talking the OpenAI shape (no api-version). */
  public OpenAiSettings(String endpoint, String model, String apiKeyEnv, Integer timeoutMs, Integer maxAttempts,
      Integer maxConcurrency, Integer requestsPerMinute, Integer tokensPerMinute, Integer itemsPerRequest,
      Double inputPricePerMillion, Double outputPricePerMillion, Double temperature, Integer maxOutputTokens,
      ResponseFormat responseFormat, Integer commitEvery, Integer partitions) {
    this(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency, requestsPerMinute, tokensPerMinute,
        itemsPerRequest, inputPricePerMillion, outputPricePerMillion, temperature, maxOutputTokens, responseFormat,
        commitEvery, partitions, null, null, null);
  }

  /** The defaults, as if the section were left out. */
  public static OpenAiSettings defaults() {
    return new OpenAiSettings(null, null, null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Cost in USD of the given token counts at the configured prices. */
  public double cost(long inputTokens, long outputTokens) {
    return inputTokens * inputPricePerMillion / 1e6 + outputTokens * outputPricePerMillion / 1e6;
  }

  /** Cost in USD of the given token counts sent through the Batch API: the online price times its factor. */
  public double batchCost(long inputTokens, long outputTokens) {
    return cost(inputTokens, outputTokens) * batchPriceFactor;
  }

  /** Whether requests go through the provider's Batch API ({@code score.openai.mode: batch}). */
  public boolean batchMode() {
    return mode == ScoringMode.BATCH;
  }

  /** Whether items a batch could not answer are scored online instead of in another batch. */
  public boolean batchFallsBackOnline() {
    return "online".equals(batchFallback);
  }

  /** A copy in {@code mode}, with the batch settings given (tests and benchmarks). */
  public OpenAiSettings withMode(ScoringMode newMode, int pollSeconds, String fallback) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        apiVersion, newMode, batchPriceFactor, fallback, pollSeconds, batchMaxRequests, batchMaxFileMb);
  }

  /** A copy with another endpoint and global concurrency (benchmarks and tests). */
  public OpenAiSettings withEndpoint(String newEndpoint, int newMaxConcurrency) {
    return new OpenAiSettings(newEndpoint, model, apiKeyEnv, timeoutMs, maxAttempts, newMaxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        apiVersion, mode, batchPriceFactor, batchFallback, batchPollSeconds, batchMaxRequests, batchMaxFileMb);
  }

  /** A copy with another number of items per request. */
  public OpenAiSettings withItemsPerRequest(int n) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, n, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        apiVersion, mode, batchPriceFactor, batchFallback, batchPollSeconds, batchMaxRequests, batchMaxFileMb);
  }

  /** Whether requests take the Azure OpenAI shape: {@code api-version} query parameter, {@code api-key} header. */
  public boolean azure() {
    return apiVersion != null;
  }

  /** A copy that reads the key from a Hadoop credential provider alias (and optional provider path). */
  public OpenAiSettings withApiKeyAlias(String alias, String providers) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, alias, providers, apiVersion, mode,
        batchPriceFactor, batchFallback, batchPollSeconds, batchMaxRequests, batchMaxFileMb);
  }

  /** A copy that talks to Azure OpenAI with this {@code api-version}. */
  public OpenAiSettings withApiVersion(String version) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        version, mode, batchPriceFactor, batchFallback, batchPollSeconds, batchMaxRequests, batchMaxFileMb);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
