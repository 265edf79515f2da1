package io.ecolens.simulator;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The simulator's HTTP/1.1 server on loopback, on Netty (which Spark already brings). Requests are
 * read by {@code ioThreads} event-loop threads and handed whole to {@code handlers}; answers are
 * written, and delayed answers timed, on the connection's own event loop. Much leaner under bursts of hundreds
 * of requests than the JDK's {@code com.sun.net.httpserver}, whose single dispatcher thread
 * re-registers every keep-alive connection after every request.
 */
final class SimHttpServer implements AutoCloseable {
  /** Bodies above this get 413; a chat request of thousands of items fits well below it. */
  private static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

  /** One request and the means to answer it, from any thread. */
  interface Exchange {
    /** {@link System#nanoTime()} when the request had been read whole. */
    long received();

    /** Why the request could not be read as HTTP, or null when it could. */
    String unreadable();

    String method();

    String path();

    /** The raw query string, or null. */
    String rawQuery();

    /** The first value of header {@code name} (any case), or null. */
    String header(String name);

    byte[] body();

    /** Sends the answer as JSON, with Retry-After when not null. Never throws. */
    default void respond(int status, byte[] json, String retryAfter) {
      respond(status, json, "application/json", retryAfter);
    }

    /** Sends the answer as {@code contentType}, with Retry-After when not null. Never throws. */
    void respond(int status, byte[] body, String contentType, String retryAfter);

    /** Closes the connection without an answer, as a server that hung and gave up does. */
    void drop();

    /** Runs {@code task} after {@code delayNanos} on the thread that writes this exchange's answer. */
    void schedule(Runnable task, long delayNanos);
  }

  private final EventLoopGroup acceptor;
  private final EventLoopGroup io;
  private final Channel channel;

  SimHttpServer(int port, int ioThreads, Executor handlers, Consumer<Exchange> handle) {
    acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("llm-sim-accept", true));
    io = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("llm-sim-io", true));
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(acceptor, io)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 4096)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_BODY_BYTES),
                new Reader(handlers, handle));
          }
        });
    ChannelFuture bound = bootstrap.bind(InetAddress.getLoopbackAddress(), port).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      close();
      Throwable cause = bound.cause();
      throw new IllegalStateException(cause.getClass().getSimpleName() + " " + cause.getMessage(), cause);
    }
    channel = bound.channel();
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    io.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  private static final class Reader extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Executor handlers;
    private final Consumer<Exchange> handle;

    Reader(Executor handlers, Consumer<Exchange> handle) {
      this.handlers = handlers;
      this.handle = handle;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      NettyExchange ex = new NettyExchange(ctx, request, System.nanoTime());
      handlers.execute(() -> handle.accept(ex));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // e.g. the client reset the connection; its requests are answered or dropped with it
    }
  }

  private static final class NettyExchange implements Exchange {
    private final ChannelHandlerContext ctx;
    private final long received;
    private final String unreadable;
    private final String method;
    private final String path;
    private final String rawQuery;
    private final HttpHeaders headers;
    private final byte[] body;
    private final boolean keepAlive;

    NettyExchange(ChannelHandlerContext ctx, FullHttpRequest request, long received) {
      this.ctx = ctx;
      this.received = received;
      this.unreadable = request.decoderResult().isFailure()
          ? String.valueOf(request.decoderResult().cause().getMessage()) : null;
      this.method = request.method().name();
      QueryStringDecoder uri = new QueryStringDecoder(request.uri()); // lenient, unlike java.net.URI
      this.path = uri.rawPath();
      this.rawQuery = uri.rawQuery().isEmpty() ? null : uri.rawQuery();
      this.headers = request.headers().copy();
      this.body = ByteBufUtil.getBytes(request.content()); // the request is released when this returns
      this.keepAlive = HttpUtil.isKeepAlive(request);
    }

    @Override
    public long received() {
      return received;
    }

    @Override
    public String unreadable() {
      return unreadable;
    }

    @Override
    public String method() {
      return method;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String rawQuery() {
      return rawQuery;
    }

    @Override
    public String header(String name) {
      return headers.get(name);
    }

    @Override
    public byte[] body() {
      return body;
    }

    @Override
    public void respond(int status, byte[] body, String contentType, String retryAfter) {
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
          Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      if (retryAfter != null) {
        r.headers().set(HttpHeaderNames.RETRY_AFTER, retryAfter);
      }
      HttpUtil.setKeepAlive(r, keepAlive);
      ChannelFuture written = ctx.writeAndFlush(r); // safe from any thread: Netty queues it on the event loop
      if (!keepAlive) {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void drop() {
      ctx.close();
    }

    @Override
    public void schedule(Runnable task, long delayNanos) {
      ctx.executor().schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }
  }
}
