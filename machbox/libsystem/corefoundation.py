"""CoreFoundation's object model and value types, and SystemConfiguration's proxy query
(native/cf.c): time zones, dates, errors, file URLs and the run loop too; Security's
certificates, system roots and keychain (native/security.c) and trust evaluation over the
host's OpenSSL (native/sectrust.c); CoreServices' FSEvents (native/fsevents.c)."""

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
    "kCFPreferencesCurrentUser",
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
]

EMULATED = {f"_{n}" for n in _CF + _CF_DATA + _SC + _SECURITY + _FSEVENTS}

EXPORTS = {
    "CoreFoundation": {f"_{n}": f"mb_{n}" for n in _CF + _CF_DATA},
    "SystemConfiguration": {f"_{n}": f"mb_{n}" for n in _SC},
    "Security": {f"_{n}": f"mb_{n}" for n in _SECURITY},
    "CoreServices": {f"_{n}": f"mb_{n}" for n in _FSEVENTS},
}
