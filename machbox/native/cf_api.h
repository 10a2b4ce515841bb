/* CoreFoundation as machbox's other native files call it (Security, SystemConfiguration,
 * FSEvents, bundles, preferences, property lists): the mb_CF* functions cf.c, cfplist.c and
 * cfprefs.c define, through opaque pointers. One set of declarations, so every caller agrees
 * with the definitions on return and argument types (a caller that declared CFEqual as
 * returning unsigned char, or CFStringCreateWithBytes's last argument as a byte, read or
 * passed only part of a register). cf.c keeps its own typed definitions and does not
 * include this file.
 */
#ifndef MACHBOX_CF_API_H
#define MACHBOX_CF_API_H

#include "runtime.h"

#include <stdint.h>

typedef long CFIndex;
typedef double CFAbsoluteTime;
typedef struct { CFIndex location, length; } CFRange;

#define UTF8 0x08000100u /* kCFStringEncodingUTF8 */

/* the object model */
MB_EXPORT unsigned long mb_CFGetTypeID(const void *);
MB_EXPORT const void *mb_CFRetain(const void *);
MB_EXPORT void mb_CFRelease(const void *);
MB_EXPORT int mb_CFEqual(const void *, const void *);

/* strings */
MB_EXPORT unsigned long mb_CFStringGetTypeID(void);
MB_EXPORT void *mb_CFStringCreateWithBytes(const void *, const unsigned char *, CFIndex, uint32_t,
                                           int);
MB_EXPORT void *mb_CFStringCreateWithCString(const void *, const char *, uint32_t);
MB_EXPORT void *mb___CFStringMakeConstantString(const char *);
MB_EXPORT CFIndex mb_CFStringGetLength(const void *);
MB_EXPORT int mb_CFStringGetCString(const void *, char *, CFIndex, uint32_t);
MB_EXPORT void mb_CFStringGetCharacters(const void *, CFRange, uint16_t *);
MB_EXPORT CFIndex mb_CFStringCompare(const void *, const void *, unsigned long);

/* numbers, booleans, dates, data */
MB_EXPORT unsigned long mb_CFNumberGetTypeID(void);
MB_EXPORT void *mb_CFNumberCreate(const void *, int, const void *);
MB_EXPORT int mb_CFNumberIsFloatType(const void *);
MB_EXPORT int mb_CFNumberGetValue(const void *, int, void *);
MB_EXPORT unsigned long mb_CFBooleanGetTypeID(void);
MB_EXPORT int mb_CFBooleanGetValue(const void *);
MB_EXPORT unsigned long mb_CFDateGetTypeID(void);
MB_EXPORT void *mb_CFDateCreate(const void *, CFAbsoluteTime);
MB_EXPORT CFAbsoluteTime mb_CFDateGetAbsoluteTime(const void *);
MB_EXPORT CFAbsoluteTime mb_CFAbsoluteTimeGetCurrent(void);
MB_EXPORT unsigned long mb_CFDataGetTypeID(void);
MB_EXPORT void *mb_CFDataCreate(const void *, const void *, CFIndex);
MB_EXPORT CFIndex mb_CFDataGetLength(const void *);
MB_EXPORT const unsigned char *mb_CFDataGetBytePtr(const void *);

/* collections */
MB_EXPORT unsigned long mb_CFArrayGetTypeID(void);
MB_EXPORT void *mb_CFArrayCreate(const void *, const void **, CFIndex, const void *);
MB_EXPORT void *mb_CFArrayCreateMutable(const void *, CFIndex, const void *);
MB_EXPORT void mb_CFArrayAppendValue(void *, const void *);
MB_EXPORT CFIndex mb_CFArrayGetCount(const void *);
MB_EXPORT const void *mb_CFArrayGetValueAtIndex(const void *, CFIndex);
MB_EXPORT unsigned long mb_CFDictionaryGetTypeID(void);
MB_EXPORT void *mb_CFDictionaryCreate(const void *, const void **, const void **, CFIndex,
                                      const void *, const void *);
MB_EXPORT void *mb_CFDictionaryCreateMutable(const void *, CFIndex, const void *, const void *);
MB_EXPORT void mb_CFDictionarySetValue(void *, const void *, const void *);
MB_EXPORT void mb_CFDictionaryRemoveValue(void *, const void *);
MB_EXPORT const void *mb_CFDictionaryGetValue(const void *, const void *);
MB_EXPORT CFIndex mb_CFDictionaryGetCount(const void *);
MB_EXPORT void mb_CFDictionaryGetKeysAndValues(const void *, const void **, const void **);

/* errors, URLs, property lists, preferences */
MB_EXPORT void *mb_CFErrorCreate(const void *, const void *, CFIndex, const void *);
MB_EXPORT void *mb_CFURLCreateFromFileSystemRepresentation(const void *, const char *, CFIndex,
                                                           unsigned char);
MB_EXPORT const void *mb_CFPropertyListCreateWithData(const void *, const void *, unsigned long,
                                                      long *, void **);
MB_EXPORT void *mb_CFPropertyListCreateData(const void *, const void *, long, unsigned long,
                                            void **);
MB_EXPORT const void *mb_CFPropertyListCreateDeepCopy(const void *, const void *, unsigned long);
MB_EXPORT const void *mb_CFPreferencesCopyAppValue(const void *, const void *);

/* constants (their real types live in cf.c and cfprefs.c) */
extern const void *mb_kCFBooleanTrue, *mb_kCFBooleanFalse;
extern const void *mb_kCFErrorDomainCocoa, *mb_kCFErrorDomainOSStatus;
extern const void *mb_kCFErrorLocalizedDescriptionKey, *mb_kCFPreferencesAnyApplication;
extern const char mb_kCFTypeArrayCallBacks[], mb_kCFTypeDictionaryKeyCallBacks[],
    mb_kCFTypeDictionaryValueCallBacks[];

#endif
