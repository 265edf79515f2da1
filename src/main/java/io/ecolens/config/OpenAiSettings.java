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
    String apiVersion) implements Serializable {

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
        null, null, null, null, null, null);
  }

  /** Cost in USD of the given token counts at the configured prices. */
  public double cost(long inputTokens, long outputTokens) {
    return inputTokens * inputPricePerMillion / 1e6 + outputTokens * outputPricePerMillion / 1e6;
  }

  /** A copy with another endpoint and global concurrency (benchmarks and tests). */
  public OpenAiSettings withEndpoint(String newEndpoint, int newMaxConcurrency) {
    return new OpenAiSettings(newEndpoint, model, apiKeyEnv, timeoutMs, maxAttempts, newMaxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        apiVersion);
  }

  /** A copy with another number of items per request. */
  public OpenAiSettings withItemsPerRequest(int n) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, n, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        apiVersion);
  }

  /** Whether requests take the Azure OpenAI shape: {@code api-version} query parameter, {@code api-key} header. */
  public boolean azure() {
    return apiVersion != null;
  }

  /** A copy that reads the key from a Hadoop credential provider alias (and optional provider path). */
  public OpenAiSettings withApiKeyAlias(String alias, String providers) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, alias, providers, apiVersion);
  }

  /** A copy that talks to Azure OpenAI with this {@code api-version}. */
  public OpenAiSettings withApiVersion(String version) {
    return new OpenAiSettings(endpoint, model, apiKeyEnv, timeoutMs, maxAttempts, maxConcurrency,
        requestsPerMinute, tokensPerMinute, itemsPerRequest, inputPricePerMillion, outputPricePerMillion,
        temperature, maxOutputTokens, responseFormat, commitEvery, partitions, apiKeyAlias, credentialProviders,
        version);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
