"""The Apple frameworks CLI tools call. CoreFoundation's object model and value types, and
SystemConfiguration's proxy query (native/cf.c): time zones, dates, errors, file URLs, the
run loop, sets; property lists and preferences (cfplist.c, cfprefs.c), formats (cfformat.c),
bundles and locales (cfbundle.c); Security's certificates, system roots and keychain
(security.c) and trust evaluation over the host's OpenSSL (sectrust.c); CoreServices'
FSEvents (fsevents.c) and LaunchServices, SystemConfiguration's names and reachability and
IOKit's empty registry (services.c)."""

_CF = [
    "CFGetTypeID", "CFRetain", "CFRelease", "CFGetRetainCount", "CFEqual", "CFHash",
    "CFStringGetTypeID", "CFStringCreateWithBytes", "CFStringCreateWithBytesNoCopy",
    "CFStringCreateWithCString", "CFStringCreateWithCStringNoCopy",
    "CFStringCreateWithCharacters", "CFStringCreateCopy", "__CFStringMakeConstantString",
    "CFStringGetLength", "CFStringGetCharacterAtIndex", "CFStringGetCharacters",
    "CFStringGetBytes", "CFStringGetCString", "CFStringGetCStringPtr",
    "CFStringGetMaximumSizeForEncoding", "CFStringCompare", "CFStringCreateExternalRepresentation",
    "CFBooleanGetTypeID", "CFBooleanGetValue", "CFNumberGetTypeID", "CFNumberCreate",
    "CFNumberGetType", "CFNumberIsFloatType", "CFNumberGetValue", "CFDataGetTypeID",
    "CFDataCreate", "CFDataGetLength", "CFDataGetBytePtr", "CFDataGetBytes",
    "CFArrayGetTypeID", "CFArrayCreate", "CFArrayCreateMutable", "CFArrayGetCount",
    "CFArrayGetValueAtIndex", "CFArrayAppendValue", "CFArrayInsertValueAtIndex",
    "CFArrayRemoveValueAtIndex", "CFDictionaryGetTypeID", "CFDictionaryCreate",
    "CFDictionaryCreateMutable", "CFDictionaryGetCount", "CFDictionaryGetValue",
    "CFDictionaryGetValueIfPresent", "CFDictionaryContainsKey", "CFDictionarySetValue",
    "CFDictionaryAddValue", "CFDictionaryRemoveValue", "CFDictionaryGetKeysAndValues",
    "CFAllocatorGetTypeID",
    # time
    "CFAbsoluteTimeGetCurrent", "CFDateGetTypeID", "CFDateCreate", "CFDateGetAbsoluteTime",
    "CFDateCompare", "CFTimeZoneGetTypeID", "CFTimeZoneCopySystem", "CFTimeZoneCopyDefault",
    "CFTimeZoneResetSystem", "CFTimeZoneGetName", "CFTimeZoneCreateWithName",
    "CFTimeZoneGetSecondsFromGMT",
    # errors
    "CFErrorGetTypeID", "CFErrorCreate", "CFErrorGetCode", "CFErrorGetDomain",
    "CFErrorCopyUserInfo", "CFErrorCopyDescription", "CFErrorCopyFailureReason",
    # file URLs
    "CFURLGetTypeID", "CFURLCreateWithFileSystemPath", "CFURLCreateFromFileSystemRepresentation",
    "CFURLCopyFileSystemPath", "CFURLGetFileSystemRepresentation", "CFURLCreateFilePathURL",
    "CFURLCreateFileReferenceURL", "CFURLCopyAbsoluteURL",
    "CFURLCreateCopyAppendingPathComponent", "CFURLCreateCopyDeletingLastPathComponent",
    "CFURLCopyLastPathComponent", "CFURLResourceIsReachable", "CFURLHasDirectoryPath",
    # the run loop (the main dispatch queue's)
    "CFRunLoopGetTypeID", "CFRunLoopGetMain", "CFRunLoopGetCurrent", "CFRunLoopRun",
    "CFRunLoopRunInMode", "CFRunLoopStop", "CFRunLoopWakeUp", "CFRunLoopIsWaiting",
    # its timers and version-0 sources (native/cfrunloop.c)
    "CFRunLoopTimerGetTypeID", "CFRunLoopTimerCreate", "CFRunLoopAddTimer",
    "CFRunLoopTimerInvalidate", "CFRunLoopRemoveTimer", "CFRunLoopTimerIsValid",
    "CFRunLoopContainsTimer", "CFRunLoopTimerGetNextFireDate", "CFRunLoopTimerGetInterval",
    "CFRunLoopTimerSetNextFireDate", "CFRunLoopSourceGetTypeID", "CFRunLoopSourceCreate",
    "CFRunLoopAddSource", "CFRunLoopRemoveSource", "CFRunLoopSourceSignal",
    "CFRunLoopSourceInvalidate", "CFRunLoopSourceIsValid", "CFRunLoopContainsSource",
    # property lists, XML and binary (native/cfplist.c)
    "CFPropertyListCreateWithData", "CFPropertyListCreateFromXMLData",
    "CFPropertyListCreateData", "CFPropertyListCreateXMLData", "CFPropertyListCreateDeepCopy",
    "CFPropertyListIsValid",
    # preferences shared with `defaults` (native/cfprefs.c)
    "CFPreferencesCopyValue", "CFPreferencesCopyAppValue", "CFPreferencesSetValue",
    "CFPreferencesSetAppValue", "CFPreferencesSetMultiple", "CFPreferencesAppSynchronize",
    "CFPreferencesSynchronize", "CFPreferencesAppValueIsForced",
    "CFPreferencesGetAppBooleanValue", "CFPreferencesGetAppIntegerValue",
    "CFPreferencesCopyKeyList", "CFPreferencesCopyMultiple",
    # sets (native/cf.c), formats and descriptions (native/cfformat.c)
    "CFSetGetTypeID", "CFSetCreate", "CFSetCreateMutable", "CFSetCreateCopy",
    "CFSetCreateMutableCopy", "CFSetGetCount", "CFSetContainsValue", "CFSetGetValue",
    "CFSetGetValueIfPresent", "CFSetGetValues", "CFSetAddValue", "CFSetSetValue",
    "CFSetRemoveValue", "CFSetRemoveAllValues", "CFSetApplyFunction",
    "CFStringCreateWithFormat", "CFStringCreateWithFormatAndArguments", "CFCopyDescription",
    "CFShow",
    # bundles and locales (native/cfbundle.c)
    "CFBundleGetTypeID", "CFBundleGetMainBundle", "CFBundleGetInfoDictionary",
    "CFBundleGetValueForInfoDictionaryKey", "CFBundleGetIdentifier",
    "CFBundleGetBundleWithIdentifier", "CFBundleCopyBundleURL", "CFBundleCopyExecutableURL",
    "CFBundleCopyResourcesDirectoryURL", "CFBundleCopyResourceURL", "CFBundleGetVersionNumber",
    "CFLocaleGetTypeID", "CFLocaleCopyCurrent", "CFLocaleGetSystem", "CFLocaleCreate",
    "CFLocaleGetIdentifier", "CFLocaleCreateCanonicalLocaleIdentifierFromString",
    "CFLocaleGetValue", "CFLocaleCopyPreferredLanguages",
]

_CF_DATA = [
    "__CFConstantStringClassReference", "kCFBooleanTrue", "kCFBooleanFalse",
    "kCFTypeDictionaryKeyCallBacks", "kCFCopyStringDictionaryKeyCallBacks",
    "kCFTypeDictionaryValueCallBacks", "kCFTypeArrayCallBacks", "kCFAllocatorDefault",
    "kCFAllocatorSystemDefault", "kCFAllocatorMalloc", "kCFAllocatorMallocZone",
    "kCFAllocatorNull", "kCFAbsoluteTimeIntervalSince1970", "kCFAbsoluteTimeIntervalSince1904",
    "kCFErrorDomainPOSIX", "kCFErrorDomainOSStatus", "kCFErrorDomainMach", "kCFErrorDomainCocoa",
    "kCFErrorDescriptionKey", "kCFErrorLocalizedDescriptionKey",
    "kCFErrorLocalizedFailureReasonKey", "kCFErrorUnderlyingErrorKey", "kCFRunLoopDefaultMode",
    "kCFRunLoopCommonModes", "kCFPreferencesAnyApplication", "kCFPreferencesCurrentApplication",
    "kCFPreferencesAnyHost", "kCFPreferencesCurrentHost", "kCFPreferencesAnyUser",
    "kCFPreferencesCurrentUser", "kCFTypeSetCallBacks", "kCFCopyStringSetCallBacks",
    "kCFBundleIdentifierKey", "kCFBundleVersionKey", "kCFBundleNameKey",
    "kCFBundleExecutableKey", "kCFBundleInfoDictionaryVersionKey",
    "kCFBundleDevelopmentRegionKey", "kCFLocaleIdentifier", "kCFLocaleLanguageCode",
    "kCFLocaleCountryCode", "kCFLocaleDecimalSeparator", "kCFLocaleGroupingSeparator",
    "kCFLocaleUsesMetricSystem", "kCFLocaleCurrencyCode",
]

_SECURITY = ["SecRandomCopyBytes", "kSecRandomDefault", "SecCertificateGetTypeID",
             "SecCertificateCreateWithData", "SecCertificateCopyData",
             "SecCertificateCopySubjectSummary", "SecTrustSettingsCopyCertificates",
             "SecTrustSettingsCopyTrustSettings", "SecCopyErrorMessageString",
             "SecKeychainAddGenericPassword", "SecKeychainFindGenericPassword",
             "SecKeychainItemFreeContent", "SecKeychainItemDelete",
             "SecKeychainItemModifyAttributesAndData", "SecKeychainCopyDomainDefault",
             "SecItemAdd", "SecItemCopyMatching", "SecItemUpdate", "SecItemDelete",
             "kSecClass", "kSecClassGenericPassword", "kSecClassInternetPassword",
             "kSecClassCertificate", "kSecClassKey", "kSecClassIdentity", "kSecAttrService",
             "kSecAttrAccount", "kSecAttrLabel", "kSecAttrDescription", "kSecAttrComment",
             "kSecAttrAccessible", "kSecAttrSynchronizable", "kSecValueData", "kSecValueRef",
             "kSecReturnData", "kSecReturnAttributes", "kSecReturnRef",
             "kSecReturnPersistentRef", "kSecMatchLimit", "kSecMatchLimitOne",
             "kSecMatchLimitAll", "kSecUseDataProtectionKeychain",
             # trust evaluation over the host's OpenSSL (native/sectrust.c)
             "SecPolicyGetTypeID", "SecPolicyCreateSSL", "SecPolicyCreateBasicX509",
             "SecPolicyCreateRevocation", "SecTrustGetTypeID", "SecTrustCreateWithCertificates",
             "SecTrustSetPolicies", "SecTrustCopyPolicies", "SecTrustSetAnchorCertificates",
             "SecTrustSetAnchorCertificatesOnly", "SecTrustSetVerifyDate",
             "SecTrustSetOCSPResponse", "SecTrustSetSignedCertificateTimestamps",
             "SecTrustSetNetworkFetchAllowed", "SecTrustEvaluateWithError", "SecTrustEvaluate",
             "SecTrustGetTrustResult", "SecTrustCopyCertificateChain",
             "SecTrustGetCertificateCount", "SecTrustGetCertificateAtIndex"]

# CoreServices: FSEvents on inotify (native/fsevents.c)
_FSEVENTS = [
    "FSEventStreamCreate", "FSEventStreamScheduleWithRunLoop",
    "FSEventStreamUnscheduleFromRunLoop", "FSEventStreamSetDispatchQueue",
    "FSEventStreamStart", "FSEventStreamStop", "FSEventStreamInvalidate",
    "FSEventStreamRelease", "FSEventStreamGetLatestEventId", "FSEventStreamFlushSync",
    "FSEventStreamFlushAsync", "FSEventStreamGetDeviceBeingWatched",
    "FSEventsPurgeEventsForDeviceUpToEventId", "FSEventsGetCurrentEventId",
]

_SC = [
    "SCDynamicStoreCreate", "SCDynamicStoreCreateWithOptions", "SCDynamicStoreCopyProxies",
    "kSCPropNetProxiesHTTPEnable", "kSCPropNetProxiesHTTPProxy", "kSCPropNetProxiesHTTPPort",
    "kSCPropNetProxiesHTTPSEnable", "kSCPropNetProxiesHTTPSProxy", "kSCPropNetProxiesHTTPSPort",
    "kSCPropNetProxiesExceptionsList", "kSCPropNetProxiesExcludeSimpleHostnames",
    "kSCPropNetProxiesSOCKSEnable", "kSCPropNetProxiesSOCKSProxy", "kSCPropNetProxiesSOCKSPort",
    "kSCDynamicStoreUseSessionKeys",
    # names and reachability (native/services.c)
    "SCDynamicStoreCopyComputerName", "SCDynamicStoreCopyLocalHostName",
    "SCPreferencesCopyComputerName", "SCNetworkReachabilityGetTypeID",
    "SCNetworkReachabilityCreateWithName", "SCNetworkReachabilityCreateWithAddress",
    "SCNetworkReachabilityGetFlags", "SCNetworkReachabilitySetCallback",
    "SCNetworkReachabilityScheduleWithRunLoop", "SCNetworkReachabilityUnscheduleFromRunLoop",
    "SCNetworkReachabilitySetDispatchQueue",
]

# CoreServices' LaunchServices: no application handles anything (native/services.c)
_LAUNCH_SERVICES = [
    "LSCopyDefaultApplicationURLForURL", "LSCopyDefaultApplicationURLForContentType",
    "LSCopyApplicationURLsForURL", "LSCopyDefaultHandlerForURLScheme", "LSOpenCFURLRef",
    "LSSetDefaultHandlerForURLScheme",
]

# IOKit: a machine with no such device (native/services.c)
_IOKIT = [
    "kIOMasterPortDefault", "kIOMainPortDefault", "IOMasterPort", "IOServiceMatching",
    "IOServiceNameMatching", "IOBSDNameMatching", "IOServiceGetMatchingService",
    "IOServiceGetMatchingServices", "IOIteratorNext", "IOObjectRelease", "IOObjectRetain",
    "IORegistryGetRootEntry", "IORegistryEntryCreateCFProperty",
    "IORegistryEntryCreateCFProperties", "IORegistryEntrySearchCFProperty",
    "IOPMAssertionCreateWithName", "IOPMAssertionRelease",
]

EMULATED = {f"_{n}" for n in _CF + _CF_DATA + _SC + _SECURITY + _FSEVENTS + _LAUNCH_SERVICES
            + _IOKIT}

EXPORTS = {
    "CoreFoundation": {f"_{n}": f"mb_{n}" for n in _CF + _CF_DATA},
    "SystemConfiguration": {f"_{n}": f"mb_{n}" for n in _SC},
    "Security": {f"_{n}": f"mb_{n}" for n in _SECURITY},
    "CoreServices": {f"_{n}": f"mb_{n}" for n in _FSEVENTS + _LAUNCH_SERVICES},
    "IOKit": {**{f"_{n}": f"mb_{n}" for n in _IOKIT}, "_IOMainPort": "mb_IOMasterPort"},
}
