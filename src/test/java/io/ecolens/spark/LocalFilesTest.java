package io.ecolens.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local file system without process starts behaves as Hadoop's for what Delta and Parquet do
 * with it: create with permissions, rename without overwriting, status of missing paths and links.
 */
class LocalFilesTest {
  @TempDir java.nio.file.Path dir;

  private static Configuration conf() {
    Configuration conf = new Configuration(false);
    conf.set("fs.file.impl", LocalFiles.FileSystem.class.getName());
    conf.set("fs.AbstractFileSystem.file.impl", LocalFiles.Context.class.getName());
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return conf;
  }

  private Path path(String name) {
    return new Path(dir.resolve(name).toUri());
  }

  @Test
  void fileContextCreatesWithTheMaskedModeAndRenamesWithoutOverwriting() throws Exception {
    FileContext fc = FileContext.getFileContext(path("").toUri(), conf());
    assertThat(fc.getDefaultFileSystem()).isInstanceOf(LocalFiles.Context.class);
    try (FSDataOutputStream out = fc.create(path("a.tmp"), EnumSet.of(CreateFlag.CREATE),
        Options.CreateOpts.perms(new FsPermission((short) 0640)))) {
      out.writeBytes("{}");
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.tmp"))))
        .isEqualTo("rw-r-----");

    fc.rename(path("a.tmp"), path("00.json"), Options.Rename.NONE);
    assertThat(Files.readString(dir.resolve("00.json"))).isEqualTo("{}");
    assertThat(dir.resolve("a.tmp")).doesNotExist();
    assertThat(dir.resolve(".00.json.crc")).exists(); // checksummed, as Hadoop's LocalFs

    try (FSDataOutputStream out = fc.create(path("b.tmp"), EnumSet.of(CreateFlag.CREATE))) {
      out.writeBytes("[]");
    }
    assertThatThrownBy(() -> fc.rename(path("b.tmp"), path("00.json"), Options.Rename.NONE))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readString(dir.resolve("00.json"))).isEqualTo("{}");
  }

  @Test
  void linkStatusIsHadoopsForAFileAFolderASymlinkAndAMissingPath() throws Exception {
    FileSystem fs = path("").getFileSystem(conf());
    assertThat(fs).isInstanceOf(LocalFiles.FileSystem.class);
    Configuration stockConf = new Configuration(false);
    stockConf.setBoolean("fs.file.impl.disable.cache", true);
    FileSystem stock = path("").getFileSystem(stockConf);
    assertThat(stock).isNotInstanceOf(LocalFiles.FileSystem.class);
    Files.writeString(dir.resolve("data.txt"), "x");
    Files.createDirectory(dir.resolve("folder"));
    Files.createSymbolicLink(dir.resolve("link.txt"), dir.resolve("data.txt"));

    for (String name : java.util.List.of("data.txt", "folder", "link.txt")) {
      FileStatus ours = fs.getFileLinkStatus(path(name));
      FileStatus theirs = stock.getFileLinkStatus(path(name));
      assertThat(ours.getPath()).as(name).isEqualTo(theirs.getPath());
      assertThat(ours.isFile()).as(name).isEqualTo(theirs.isFile());
      assertThat(ours.isDirectory()).as(name).isEqualTo(theirs.isDirectory());
      assertThat(ours.isSymlink()).as(name).isEqualTo(theirs.isSymlink());
      assertThat(ours.getLen()).as(name).isEqualTo(theirs.getLen());
    }
    assertThat(fs.getFileLinkStatus(path("data.txt")).getLen()).isEqualTo(1);
    assertThatThrownBy(() -> fs.getFileLinkStatus(path("missing.txt"))).isInstanceOf(FileNotFoundException.class);
    assertThatThrownBy(() -> stock.getFileLinkStatus(path("missing.txt"))).isInstanceOf(FileNotFoundException.class);
  }

  @Test
  void foldersAndFilesGetTheModeAsked() throws Exception {
    FileSystem fs = path("").getFileSystem(conf());
    assertThat(fs.mkdirs(path("sub/deeper"), new FsPermission((short) 0750))).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/deeper"))))
        .isEqualTo("rwxr-x---");
    fs.setPermission(path("sub/deeper"), new FsPermission((short) 0705));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("sub/deeper"))))
        .isEqualTo("rwx---r-x");
  }
}
