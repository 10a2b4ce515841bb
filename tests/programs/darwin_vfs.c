// darwin-only
// the merged view: macOS system paths come from the prefix (SystemVersion.plist, /Users,
// /Volumes/SystemRoot as the host's root, /private/tmp), host paths are unchanged, and
// paths handed back (getcwd, realpath, F_GETPATH) name the macOS path; sw_vers on PATH
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    FILE *f = fopen("/System/Library/CoreServices/SystemVersion.plist", "r");
    char line[256], version[64] = "";
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, "<key>ProductVersion</key>") && fgets(line, sizeof line, f))
            sscanf(line, " <string>%63[^<]", version);
    if (f) fclose(f);
    printf("SystemVersion.plist ProductVersion: %s\n", version);

    DIR *d = opendir("/System/Library/CoreServices");
    int listed = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        listed |= strcmp(e->d_name, "SystemVersion.plist") == 0;
    if (d) closedir(d);
    printf("listed in CoreServices: %d\n", listed);

    struct stat st, host;
    printf("/Volumes/SystemRoot is the host root: %d\n",
           stat("/Volumes/SystemRoot", &st) == 0 && stat("/", &host) == 0 &&
               st.st_ino == host.st_ino && st.st_dev == host.st_dev);
    printf("/Users is a directory: %d, /Applications: %d, /Library/Preferences: %d\n",
           stat("/Users", &st) == 0 && S_ISDIR(st.st_mode),
           access("/Applications", F_OK) == 0, access("/Library/Preferences", W_OK) == 0);

    const char *scratch = "/private/tmp/machbox-vfs-test.txt";
    int fd = open(scratch, O_CREAT | O_TRUNC | O_RDWR, 0644);
    char path[MAXPATHLEN] = "";
    fcntl(fd, F_GETPATH, path);
    printf("F_GETPATH: %s\n", path);
    close(fd);
    printf("unlink: %d\n", unlink(scratch));

    chdir("/System/Library/CoreServices");
    char cwd[MAXPATHLEN];
    printf("getcwd: %s\n", getcwd(cwd, sizeof cwd));
    char real[MAXPATHLEN];
    printf("realpath: %s\n", realpath("../CoreServices/./SystemVersion.plist", real));
    printf("relative open after chdir: %d\n", access("SystemVersion.plist", R_OK));

    FILE *p = popen("sw_vers -productVersion", "r");
    char got[64] = "";
    if (p && fgets(got, sizeof got, p)) got[strcspn(got, "\n")] = 0;
    if (p) pclose(p);
    printf("sw_vers -productVersion: %s\n", got);
    return 0;
}
